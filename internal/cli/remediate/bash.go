package remediate

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
)

// Formats are the output formats of a plan.
var Formats = []string{"bash", "terraform"}

// Write writes the plan in format (bash or terraform).
func Write(w io.Writer, p *Plan, format string) error {
	switch format {
	case "bash":
		return WriteBash(w, p)
	case "terraform":
		return WriteTerraform(w, p)
	}
	return fmt.Errorf("unknown plan format %q; valid formats: %s", format, strings.Join(Formats, ", "))
}

// bashHeader opens the script. The aws function routes every call through
// CLOUDTRAILCC_AWS_ARGS (e.g. "--profile admin" or "--endpoint-url URL").
const bashHeader = `#!/usr/bin/env bash
# cloudtrailcc remediation plan.
#
# Nothing here has been run: cloudtrailcc only reads. Review every step,
# delete what you do not want, then run it with credentials allowed to make
# the changes (CLOUDTRAILCC_AWS_ARGS adds options to every aws call, e.g.
# CLOUDTRAILCC_AWS_ARGS="--profile admin"). Steps marked "by hand" are
# commented out: they need a person (the root user's MFA device, a review).
# Costs are us-east-1 list prices; check your region's pricing.
set -euo pipefail

# shellcheck disable=SC2086 # CLOUDTRAILCC_AWS_ARGS is split into options on purpose
aws() { command aws ${CLOUDTRAILCC_AWS_ARGS:-} "$@"; }
`

// WriteBash writes the plan as a bash script: the steps in order, each with
// comments saying what it fixes, changes and costs. Every value in a
// command is one shell word (escape.ShellWord), and every comment one
// line per line written, its control characters shown escaped
// (escape.Line): nothing taken from AWS or a file can end a comment or add
// a command. A value no shell word can hold is an error.
func WriteBash(w io.Writer, p *Plan) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(bashHeader)
	fmt.Fprintf(bw, "\n# %s.\n", p.Summary())
	for _, r := range p.Rules {
		bw.WriteString("#\n")
		writeComment(bw, "", r.ID+" ("+string(r.Severity)+", "+r.Title+"): "+r.Remediation)
	}
	account := ""
	for i, s := range p.Steps {
		if s.Account != account && len(p.Accounts) > 1 {
			account = s.Account
			fmt.Fprintf(bw, "\n# ======== account %s: run with credentials of this account ========\n", escape.Line(account))
		}
		if err := writeStep(bw, i+1, s); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, escape.Line(s.Title), err)
		}
	}
	if len(p.Steps) == 0 {
		bw.WriteString("\n# No alarms: nothing to do.\n")
	}
	return bw.Flush()
}

// writeStep writes one step.
func writeStep(w *bufio.Writer, n int, s *Step) error {
	title := s.Title
	if s.Manual() {
		title += " (by hand)"
	}
	fmt.Fprintf(w, "\n# --- Step %d: %s\n", n, escape.Line(title))
	for _, f := range s.Fixes {
		fmt.Fprintf(w, "# fixes: %s\n", escape.Line(f.String()))
	}
	writeComment(w, "changes: ", s.Changes)
	writeComment(w, "cost: ", s.Cost)
	for _, note := range s.Notes {
		writeComment(w, "", note)
	}
	prefix := ""
	if s.Manual() {
		prefix = "# "
	}
	indent := ""
	if s.Exists != nil {
		cond, err := missing(*s.Exists)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%sif %s; then\n", prefix, cond)
		indent = "  "
	}
	for _, c := range s.Create {
		line, err := commandLine(c)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s%s%s\n", prefix, indent, line)
	}
	if s.Exists != nil {
		fmt.Fprintf(w, "%sfi\n", prefix)
	}
	for _, c := range s.Commands {
		line, err := commandLine(c)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s%s\n", prefix, line)
	}
	return nil
}

// missing is the shell condition "the resource c looks up does not exist":
// c fails or, when it has a --query, prints nothing.
func missing(c Command) (string, error) {
	line, err := commandLine(c)
	if err != nil {
		return "", err
	}
	for _, a := range c.Args {
		if a.Flag == "--query" {
			return `[ -z "$(` + line + ` 2>/dev/null)" ]`, nil
		}
	}
	return "! " + line + " >/dev/null 2>&1", nil
}

// writeComment writes text as comment lines of at most about 78 columns,
// each word's control characters shown escaped.
func writeComment(w *bufio.Writer, label, text string) {
	if text == "" {
		return
	}
	line := "#"
	indent := "# " + strings.Repeat(" ", len(label))
	for i, word := range strings.Fields(label + text) {
		if i > 0 && len(line)+1+len(word) > 78 {
			w.WriteString(line + "\n")
			line = strings.TrimRight(indent, " ")
		}
		line += " " + escape.Line(word)
	}
	w.WriteString(line + "\n")
}

// commandLine renders c as one shell command line, every word through
// escape.ShellWord; an option whose value is a variable of the plan is
// written "$NAME".
func commandLine(c Command) (string, error) {
	var parts []string
	add := func(word string) error {
		q, err := escape.ShellWord(word)
		if err != nil {
			return fmt.Errorf("aws %s %s: %w", c.Service, c.Operation, err)
		}
		parts = append(parts, q)
		return nil
	}
	addVar := func(name string) error {
		if !shellVarName.MatchString(name) {
			return fmt.Errorf("aws %s %s: %q is not a shell variable name", c.Service, c.Operation, name)
		}
		parts = append(parts, `"$`+name+`"`)
		return nil
	}
	words := []string{"aws", c.Service, c.Operation}
	if c.Region != "" {
		words = append(words, "--region", c.Region)
	}
	for _, w := range words {
		if err := add(w); err != nil {
			return "", err
		}
	}
	for _, a := range c.Args {
		err := add(a.Flag)
		switch {
		case err != nil:
		case a.Var:
			err = addVar(a.Value)
		case a.Value != "":
			err = add(a.Value)
		}
		if err != nil {
			return "", err
		}
	}
	line := strings.Join(parts, " ")
	if c.Capture != "" {
		if !shellVarName.MatchString(c.Capture) {
			return "", fmt.Errorf("aws %s %s: %q is not a shell variable name", c.Service, c.Operation, c.Capture)
		}
		line = c.Capture + "=$(" + line + ")"
	}
	return line, nil
}

// shellVarName matches the names of the variables the plan sets.
var shellVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
