package firelinetest

import (
	"errors"
	"io"
	"net"
	"net/mail"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is one message the SMTP server accepted.
type Mail struct {
	From      string
	To        []string
	MessageID string
	Subject   string
	Header    mail.Header
	Body      string
}

// SMTPServer is an in-process SMTP server on a loopback port that keeps
// every message it is sent. Fail makes it answer the next n messages with
// a temporary error.
type SMTPServer struct {
	Addr string
	mu   sync.Mutex
	mail []Mail
	fail int
}

// NewSMTPServer starts a server, stopped when the test ends.
func NewSMTPServer(t testing.TB) *SMTPServer {
	t.Helper()
	s := &SMTPServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }))
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Port is the server's port.
func (s *SMTPServer) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Fail makes the next n messages fail with 451 (try again later).
func (s *SMTPServer) Fail(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = n
}

// Mail returns the messages received so far.
func (s *SMTPServer) Mail() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

type smtpSession struct {
	s    *SMTPServer
	from string
	to   []string
}

func (ss *smtpSession) Reset()                                      { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error                               { return nil }
func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error { ss.from = from; return nil }
func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(m.Body)
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.fail > 0 {
		ss.s.fail--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	if m.Header.Get("Message-Id") == "" {
		return errors.New("no Message-ID")
	}
	ss.s.mail = append(ss.s.mail, Mail{From: ss.from, To: ss.to, MessageID: m.Header.Get("Message-Id"),
		Subject: m.Header.Get("Subject"), Header: m.Header, Body: string(body)})
	return nil
}
