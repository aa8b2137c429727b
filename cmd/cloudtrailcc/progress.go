package main

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminalWidth is the width in columns of the terminal w writes to, 0
// when w is no terminal or its size cannot be read.
func terminalWidth(w io.Writer) int {
	if !isTerminal(w) {
		return 0
	}
	cols, _, err := term.GetSize(int(w.(*os.File).Fd()))
	if err != nil || cols <= 0 {
		return 0
	}
	return cols
}

// status shows a spinner with msg on w while work runs, when w is a
// terminal; otherwise it just runs work.
func status(w io.Writer, msg string, work func() error) error {
	return new(accountProgress).status(w, msg, work)
}

// accountProgress is what stderr shows while a step runs on a terminal: a
// spinner, which becomes a bar over the accounts once an organization
// audit reports how many there are. Nothing is shown when stderr is not a
// terminal (a pipe, a file, CI logs).
type accountProgress struct {
	mu  sync.Mutex
	bar *progressbar.ProgressBar // set while a step runs on a terminal
	msg string
}

// status runs work, showing msg and the accounts' progress on w when w is
// a terminal.
func (p *accountProgress) status(w io.Writer, msg string, work func() error) error {
	if !isTerminal(w) {
		return work()
	}
	bar := progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(msg),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetRenderBlankState(true), // starts the spinner turning
	)
	p.mu.Lock()
	p.bar, p.msg = bar, msg
	p.mu.Unlock()
	err := work()
	p.mu.Lock()
	p.bar = nil
	p.mu.Unlock()
	_ = bar.Finish() // clears the line and stops the spinner's ticker
	return err
}

// report is the plugin's account progress hook: done of total accounts of
// an organization connection. The first report turns the spinner into a
// bar over the accounts.
func (p *accountProgress) report(_ string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil || total <= 0 || done >= total {
		return // the bar finishes with the step, not with the last account
	}
	if p.bar.GetMax() != total {
		p.bar.ChangeMax(total)
	}
	_ = p.bar.Set(done)
	p.bar.Describe(fmt.Sprintf("%s: %d of %d accounts", p.msg, done, total))
}
