package engine

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/notify"
)

// SendTest sends a test page to a person on every one of their contact
// methods in turn, now, through the real channels, and returns each
// outcome: the request that asks waits for the answer, so whoever set up a
// method learns at once whether it works (docs/adr/0048). Each send has
// fireline.TestSendTimeout, all of them fireline.TestPageTimeout; a failed
// delivery is a result, with the fix when the cause is the server's
// configuration. EInvalid for an unknown person; EConflict when they have
// no contact method.
func (e *Engine) SendTest(ctx context.Context, person string) ([]fireline.TestResult, error) {
	p, ok := e.Policy.Person(person)
	if !ok {
		return nil, &fireline.Error{Code: fireline.EInvalid, Message: "invalid test page",
			Fields: []fireline.FieldError{{Field: "person", Message: fmt.Sprintf("no person %q in the policy's directory", person)}}}
	}
	methods := p.Methods()
	if len(methods) == 0 {
		return nil, fireline.Errorf(fireline.EConflict, "%s has no contact method to test", person)
	}
	ctx, cancel := context.WithTimeout(ctx, fireline.TestPageTimeout)
	defer cancel()
	setup := e.DeliverySetup(ctx)
	nonce := rand.Text() // test pages are told apart by receivers, even at one instant
	out := make([]fireline.TestResult, len(methods))
	for i, m := range methods {
		msg := &notify.Message{Type: notify.TypeTest, At: e.Now().UTC(), ID: e.messageID("test", person, i, nonce)}
		out[i] = fireline.TestResult{Method: i + 1, Type: m.Type, Address: m.Address(), MessageID: msg.ID}
		e.sendTest(ctx, &out[i], msg, m, setup)
	}
	return out, nil
}

// sendTest tries one method and fills in the result; the fix is what the
// readiness check finds wrong with the method on this server, if anything.
func (e *Engine) sendTest(ctx context.Context, r *fireline.TestResult, msg *notify.Message, m fireline.ContactMethod, setup *fireline.DeliverySetup) {
	problems := setup.MethodProblems(m)
	err := e.trySend(ctx, msg, m, problems)
	if err == nil {
		r.Delivered = true
		e.log().Info("test page delivered", "method", r.Method, "type", m.Type, "address", r.Address, "message_id", msg.ID)
		return
	}
	r.Error = err.Error()
	var fixes []string
	for _, pr := range problems {
		if pr.Fix != "" {
			fixes = append(fixes, pr.Fix)
		}
	}
	r.Fix = strings.Join(fixes, "; ")
	e.log().Warn("test page failed", "method", r.Method, "type", m.Type, "address", r.Address, "err", err, "fix", r.Fix)
}

// trySend sends through the method's channel within TestSendTimeout. A
// method with no channel fails with the readiness check's reason.
func (e *Engine) trySend(ctx context.Context, msg *notify.Message, m fireline.ContactMethod, problems []fireline.DeliveryProblem) error {
	if ctx.Err() != nil {
		return fmt.Errorf("not tried: %w (a test page has %s for all its methods)", ctx.Err(), fireline.TestPageTimeout)
	}
	ch := e.Channels[m.Type]
	if ch == nil {
		if len(problems) > 0 {
			return errors.New(problems[0].Reason)
		}
		return fmt.Errorf("no %s channel is configured", m.Type)
	}
	ctx, cancel := context.WithTimeout(ctx, fireline.TestSendTimeout)
	defer cancel()
	return ch.Send(ctx, msg, m)
}
