package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's chromium (never a downloaded browser)
// through the real server. They skip only when /usr/bin/chromium is
// missing outside CI; in CI (CI set) a missing browser fails them.
const chromiumPath = "/usr/bin/chromium"

var updateScreenshots = flag.Bool("update-screenshots", false, "write docs/screenshots/*.png from TestScreenshots")

func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s is not installed (apt-get install chromium); CI runs these tests", chromiumPath)
		}
		t.Fatalf("CI is set but %s is missing: %v", chromiumPath, err)
	}
}

// browser is one person's browser: a browser context of its own (its own
// cookies and storage, as a fresh profile has), so two browsers are two
// people. Every browser of a test run is a context of one shared headless
// chromium, started by the first and ended by TestMain.
//
// Tests that open a browser do not call t.Parallel: chromium is heavy on
// this project's two-core machines, and pages waited on under the load of
// parallel tests failed now and then. Go runs them one at a time, before
// the package's parallel tests start.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

var shared struct {
	once   sync.Once
	ctx    context.Context // the chromium process's first tab
	cancel func()
	dir    string
	err    error
}

// sharedChromium starts the shared chromium once.
func sharedChromium() (context.Context, error) {
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "fireline-chromium-")
		if shared.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromiumPath),
			chromedp.NoSandbox,
			chromedp.Headless,
			chromedp.NoFirstRun,
			chromedp.UserDataDir(shared.dir),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.DisableGPU,
			chromedp.WindowSize(1280, 900),
		)
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(actx)
		shared.ctx, shared.cancel = ctx, func() { cancelCtx(); cancelAlloc(); os.RemoveAll(shared.dir) }
		_, shared.err = chromedp.Run(ctx, chromedp.Evaluate[bool]("true"))
	})
	return shared.ctx, shared.err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.cancel != nil {
		shared.cancel()
	}
	os.Exit(code)
}

func newBrowser(t *testing.T, base string, width, height int) *browser {
	t.Helper()
	needChromium(t)
	root, err := sharedChromium()
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelCtx := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx() })
	b := &browser{t: t, ctx: ctx, base: base}
	b.do(chromedp.Navigate("about:blank"))
	if width < 600 { // a phone
		b.do(chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulateScale(2), chromedp.EmulateMobile))
	} else {
		b.do(chromedp.EmulateViewport(int64(width), int64(height)))
	}
	return b
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// open loads a console path and waits for its main element.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("main")))
}

// until waits for a JavaScript expression to hold, across page loads (a
// form post navigates, which interrupts a single poll).
func (b *browser) until(expr string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		if _, err = chromedp.Run(b.ctx, chromedp.Poll[bool]("!!("+expr+")", chromedp.WithPollingTimeout(5*time.Second))); err == nil {
			return
		}
	}
	b.t.Fatalf("waiting for %s: %v (page: %s)", expr, err, b.text("main"))
}

// text returns an element's visible text ("" when there is none).
func (b *browser) text(sel string) string {
	s, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string]("(document.querySelector("+jsString(sel)+") || {innerText: ''}).innerText"))
	return s
}

// has reports whether the current page has an element matching sel.
func (b *browser) has(sel string) bool {
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int]("document.querySelectorAll("+jsString(sel)+").length"))
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return n > 0
}

// path is the current page's path and query.
func (b *browser) path() string {
	s, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string]("location.pathname + location.search"))
	return s
}

// submit fills the fields (selector to value) and clicks the button.
//
// It waits for the fields and the button, then fills and clicks in one
// script: a live update that replaces the form in between cannot leave
// the click on a node that is gone.
func (b *browser) submit(fields map[string]string, button string) {
	b.t.Helper()
	ready := "document.querySelector(" + jsString(button) + ")"
	fill := ""
	for sel, v := range fields {
		ready += " && document.querySelector(" + jsString(sel) + ")"
		fill += "document.querySelector(" + jsString(sel) + ").value = " + jsString(v) + ";"
	}
	b.until(ready)
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool]("(() => {"+fill+"document.querySelector("+jsString(button)+").click(); return true})()")); err != nil {
		b.t.Fatalf("browser: submit %s: %v", button, err)
	}
}

// loginWithLink redeems a one-time login link.
func (b *browser) loginWithLink(link string) {
	b.t.Helper()
	b.do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#redeem")), chromedp.Click(chromedp.CSS("#redeem")))
	b.until(`document.querySelector("header.top nav")`)
}

// value returns a form field's current value.
func (b *browser) value(sel string) string {
	s, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string]("(document.querySelector("+jsString(sel)+") || {value: ''}).value"))
	return s
}

// attr returns an attribute of the first element matching sel.
func (b *browser) attr(sel, name string) string {
	s, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string]("((document.querySelector("+jsString(sel)+") || {getAttribute: () => ''}).getAttribute("+jsString(name)+") || '')"))
	return s
}

// mainText is the page's main content as text.
func (b *browser) mainText() string { return b.text("main") }

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// screenshot writes the full page to docs/screenshots/name.png.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	b.writeScreenshot(name, chromedp.FullScreenshot(100))
}

// screenshotView writes what the window shows (the top of a long page)
// to docs/screenshots/name.png.
func (b *browser) screenshotView(name string) {
	b.t.Helper()
	b.writeScreenshot(name, chromedp.CaptureScreenshot())
}

func (b *browser) writeScreenshot(name string, capture chromedp.Action[[]byte]) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, capture)
	if err != nil {
		b.t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func chromedpClick(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel))
}

func chromedpSetValue(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.SetValue(chromedp.CSS(sel), v)
}

func chromedpRemoveAttr(sel, name string) chromedp.Action[chromedp.Void] {
	return chromedp.RemoveAttribute(chromedp.CSS(sel), name)
}

func evalInt(b *browser, expr string) (int, error) {
	return chromedp.Run(b.ctx, chromedp.Evaluate[int](expr))
}
