package remediate

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
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
// comments saying what it fixes, changes and costs.
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
			fmt.Fprintf(bw, "\n# ======== account %s: run with credentials of this account ========\n", account)
		}
		writeStep(bw, i+1, s)
	}
	if len(p.Steps) == 0 {
		bw.WriteString("\n# No alarms: nothing to do.\n")
	}
	return bw.Flush()
}

// writeStep writes one step.
func writeStep(w *bufio.Writer, n int, s *Step) {
	title := s.Title
	if s.Manual() {
		title += " (by hand)"
	}
	fmt.Fprintf(w, "\n# --- Step %d: %s\n", n, title)
	for _, f := range s.Fixes {
		fmt.Fprintf(w, "# fixes: %s\n", f)
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
	if s.Exists != nil {
		fmt.Fprintf(w, "%sif %s; then\n", prefix, missing(*s.Exists))
		for _, c := range s.Create {
			fmt.Fprintf(w, "%s  %s\n", prefix, commandLine(c))
		}
		fmt.Fprintf(w, "%sfi\n", prefix)
	} else {
		for _, c := range s.Create {
			fmt.Fprintf(w, "%s%s\n", prefix, commandLine(c))
		}
	}
	for _, c := range s.Commands {
		fmt.Fprintf(w, "%s%s\n", prefix, commandLine(c))
	}
}

// missing is the shell condition "the resource c looks up does not exist":
// c fails or, when it has a --query, prints nothing.
func missing(c Command) string {
	for _, a := range c.Args {
		if a.Flag == "--query" {
			return `[ -z "$(` + commandLine(c) + ` 2>/dev/null)" ]`
		}
	}
	return "! " + commandLine(c) + " >/dev/null 2>&1"
}

// writeComment writes text as comment lines of at most about 78 columns.
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
		line += " " + word
	}
	w.WriteString(line + "\n")
}

// commandLine renders c as one shell command line.
func commandLine(c Command) string {
	parts := []string{"aws", c.Service, c.Operation}
	if c.Region != "" {
		parts = append(parts, "--region", c.Region)
	}
	for _, a := range c.Args {
		parts = append(parts, a.Flag)
		switch {
		case a.Var:
			parts = append(parts, `"$`+a.Value+`"`)
		case a.Value != "":
			parts = append(parts, shellQuote(a.Value))
		}
	}
	line := strings.Join(parts, " ")
	if c.Capture != "" {
		line = c.Capture + "=$(" + line + ")"
	}
	return line
}

// plainWord matches words the shell takes literally.
var plainWord = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes s for the shell (single quotes unless it is plain).
func shellQuote(s string) string {
	if plainWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
