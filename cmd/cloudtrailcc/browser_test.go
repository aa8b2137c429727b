package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// screenshotEnv names the file the browser test writes its screenshot to
// (make screenshot sets it to docs/images/report.png).
const screenshotEnv = "CLOUDTRAILCC_REPORT_SCREENSHOT"

// visibleRows counts the finding rows the filters leave visible.
const visibleRows = `Array.from(document.querySelectorAll("tr.finding")).filter(r => r.offsetParent !== null).length`

// pick selects value in the filter select of key, fires its change event
// and returns the number of visible finding rows.
func pick(key, value string) chromedp.Action[int] {
	return chromedp.Evaluate[int](`(() => { const s = document.querySelector('#filters select[data-key="` + key + `"]');
		s.value = "` + value + `"; s.dispatchEvent(new Event("change")); return ` + visibleRows + `; })()`)
}

func TestHTMLReportInHeadlessChromium(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install -y chromium; .ci/run installs it): the HTML report is not tested in a browser")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if r := cli(t, dir, append([]string{"check", "--output", "csv", "--export", page}, emulatorArgs(seededEmulator(t))...)...); r.code != exitAlarm {
		t.Fatalf("check exit %d: %s", r.code, r.stderr)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1600),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true)}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	var mu sync.Mutex
	var requests, consoleErrors []string
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				consoleErrors = append(consoleErrors, string(e.Type))
			}
		case *runtime.EventExceptionThrown:
			consoleErrors = append(consoleErrors, e.ExceptionDetails.Text)
		}
	}))
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	url := "file://" + page
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	count := func(a chromedp.Action[int]) int {
		t.Helper()
		n, err := chromedp.Run(ctx, a)
		must(err)
		return n
	}
	evidence := chromedp.Evaluate[int](`document.querySelector("tr.finding pre.evidence").checkVisibility() ? 1 : 0`)
	must(chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#findings")))
	all := count(chromedp.Evaluate[int](visibleRows))
	evidenceBefore := count(evidence)
	must(chromedp.Do(ctx, chromedp.Click("tr.finding details > summary")))
	evidenceAfter := count(evidence)
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	must(err)
	alarms := count(pick("status", "alarm"))
	ruleRows := count(pick("rule", "bucket_mfa_delete"))
	count(pick("rule", ""))
	severityRows := count(pick("severity", "critical"))
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	findings := strings.Count(string(html), `<tr class="finding"`)
	if all != findings || alarms == 0 || alarms >= all || ruleRows == 0 || ruleRows >= alarms || severityRows == 0 || severityRows >= alarms {
		t.Errorf("visible rows: all %d (of %d), status=alarm %d, +rule %d, +severity critical %d", all, findings, alarms, ruleRows, severityRows)
	}
	if want := strings.Count(string(html), `data-status="alarm"`); alarms != want {
		t.Errorf("status=alarm shows %d rows, the page has %d alarms", alarms, want)
	}
	if evidenceBefore != 0 || evidenceAfter != 1 {
		t.Errorf("evidence visible %d before and %d after opening: want hidden, then shown", evidenceBefore, evidenceAfter)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range requests {
		if u != url {
			t.Errorf("the page requested %s", u)
		}
	}
	if len(consoleErrors) > 0 {
		t.Errorf("console errors: %v", consoleErrors)
	}
	if out := os.Getenv(screenshotEnv); out != "" {
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
