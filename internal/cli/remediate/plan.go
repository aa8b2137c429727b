// Package remediate turns the alarms of a check into a fix plan for a human
// to review: for each alarm the AWS CLI commands (or Terraform resources)
// that fix it, with the real trail, bucket, key, topic and log group names
// filled in from the findings' evidence, ordered so that what a step needs
// is created first, and each step saying what it changes and what it costs.
//
// The package only writes text. It never calls AWS: the plan is applied, if
// at all, by whoever reviewed it.
//
// Each rule of the catalogue has one step template (templates.go) that reads
// the finding's evidence and asks the builder for steps; steps that several
// alarms need (starting a trail's logging, a KMS key per region, the
// CloudWatch Logs role) are built once and list every alarm they fix.
package remediate

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// Phase orders the steps: what a step needs comes in an earlier phase.
type Phase int

// The phases, in the order the plan runs them.
const (
	// PhaseCreate creates new resources: access-log buckets, KMS keys, log
	// groups, the CloudWatch Logs role, SNS topics, a new trail's bucket.
	PhaseCreate Phase = iota
	// PhaseBuckets changes the trail buckets: policy, ACL, Public Access
	// Block, versioning, server access logging.
	PhaseBuckets
	// PhaseTrails changes the trails: update-trail, put-event-selectors,
	// create-trail.
	PhaseTrails
	// PhaseLogging starts logging, once every setting is in place.
	PhaseLogging
	// PhaseManual holds what the plan cannot do for you: reviews and the
	// root user's MFA Delete. Its commands are written commented out.
	PhaseManual
)

// Arg is one option of an AWS CLI command.
type Arg struct {
	// Flag is the option, e.g. "--bucket".
	Flag string
	// Value is its value; empty for a switch such as --enable-log-file-validation.
	Value string
	// Var marks Value as the name of a shell variable set by an earlier
	// command of the plan (rendered "$NAME").
	Var bool
}

// Command is one AWS CLI call.
type Command struct {
	// Service and Operation name the call, e.g. "s3api" "put-bucket-logging".
	Service, Operation string
	// Region is the region the call goes to ("" for global services such as IAM).
	Region string
	// Args are its options, in order.
	Args []Arg
	// Capture, when set, is a shell variable assigned the command's output.
	Capture string
}

// Fix names one alarm a step addresses.
type Fix struct {
	// RuleID and Resource identify the finding; Detail tells findings of one
	// rule on one resource apart (config_changes: the event id).
	RuleID, Resource, Detail string
	// Severity and Title are the rule's, from the catalogue.
	Severity, Title string
}

// String is "RULE RESOURCE [DETAIL] (severity: title)".
func (f Fix) String() string {
	s := f.RuleID + " " + f.Resource
	if f.Detail != "" {
		s += " " + f.Detail
	}
	return s + " (" + f.Severity + ": " + f.Title + ")"
}

// Step is one reviewed unit of the plan: a few commands that make one change.
type Step struct {
	// Key identifies the step; alarms asking for the same key share it.
	Key string
	// Phase orders it; Rank orders the kinds of step within a phase.
	Phase Phase
	Rank  int
	// Account and Region are where it applies; Resource is what it changes.
	Account, Region, Resource string
	// Title says in a few words what the step does.
	Title string
	// Changes says what it changes (and what may break); Cost what it costs.
	Changes, Cost string
	// Exists, when set, is a read-only check: the Create commands run only
	// when it fails or, when it has a --query, prints nothing (the resource
	// does not exist yet).
	Exists *Command
	// Create are the commands that create the resource.
	Create []Command
	// Commands run every time (after Create).
	Commands []Command
	// Notes are extra lines of explanation.
	Notes []string
	// Terraform are the step's Terraform blocks; TerraformNote explains a
	// step that has none.
	Terraform     []*TFBlock
	TerraformNote string
	// Fixes are the alarms the step addresses.
	Fixes []Fix
}

// Manual reports whether the step is written for a human to run by hand.
func (s *Step) Manual() bool { return s.Phase == PhaseManual }

// Plan is the ordered list of steps for a set of findings.
type Plan struct {
	// Steps in the order to run them.
	Steps []*Step
	// Accounts are the accounts the steps apply to, sorted.
	Accounts []string
	// Alarms is the number of alarms planned for.
	Alarms int
	// Errors is the number of findings that could not be evaluated (status
	// error): what they would show is not planned.
	Errors int
	// Suppressed is the number of alarms an exception accepts: they are
	// not planned.
	Suppressed int
	// Rules are the catalogue entries of the rules with alarms, in
	// catalogue order.
	Rules []*rules.Rule
}

// Build makes the plan for the alarms among findings (only those of the
// rules given, when any are), leaving out the alarms an exception accepts. Every finding, of any rule and status, is
// read for what it tells about the trails, e.g. which management events a
// trail logs or which bucket it delivers to, so that a step keeps what
// already works. Alarms of rules without a template are an error, and so
// is a finding whose region, account, partition, ARN, bucket name or event
// id does not have its AWS form (checkFindings): the plan writes them into
// commands.
func Build(findings []report.Finding, only ...string) (*Plan, error) {
	if err := checkFindings(findings); err != nil {
		return nil, err
	}
	b := newBuilder(findings)
	p := &Plan{}
	for _, f := range findings {
		if len(only) > 0 && !slices.Contains(only, f.RuleID) {
			continue
		}
		if f.Status == "error" {
			p.Errors++
		}
		if f.Status != "alarm" {
			continue
		}
		if f.Suppressed {
			p.Suppressed++
			continue
		}
		tmpl, ok := templates[f.RuleID]
		if _, known := rules.Lookup(f.RuleID); !known || !ok {
			return nil, fmt.Errorf("remediate: no step template for rule %q", f.RuleID)
		}
		p.Alarms++
		tmpl(b.account(f), f)
	}
	b.order(p)
	for _, r := range rules.Catalogue() {
		if slices.ContainsFunc(findings, func(f report.Finding) bool {
			return f.RuleID == r.ID && f.Status == "alarm" && !f.Suppressed && (len(only) == 0 || slices.Contains(only, r.ID))
		}) {
			p.Rules = append(p.Rules, r)
		}
	}
	return p, nil
}

// Covers reports the steps that list the alarm f among their fixes.
func (p *Plan) Covers(f report.Finding) []*Step {
	want := fixOf(f)
	var out []*Step
	for _, s := range p.Steps {
		for _, x := range s.Fixes {
			if x == want {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// fixOf is the Fix naming finding f.
func fixOf(f report.Finding) Fix {
	var detail string
	if f.RuleID == "config_changes" {
		detail = evString(evidence(f), "event_id")
	}
	fix := Fix{RuleID: f.RuleID, Resource: f.Resource, Detail: detail}
	if r, ok := rules.Lookup(f.RuleID); ok {
		fix.Severity, fix.Title = string(r.Severity), r.Title
	}
	return fix
}

// builder collects the steps of the plan, one per key.
type builder struct {
	findings []report.Finding
	steps    map[string]*Step
	accounts map[string]*accountFacts
}

func newBuilder(findings []report.Finding) *builder {
	return &builder{findings: findings, steps: map[string]*Step{}, accounts: map[string]*accountFacts{}}
}

// step returns the step with s's key, adding s when it is new, and records
// that it fixes f.
func (b *builder) step(s *Step, f report.Finding) *Step {
	have, ok := b.steps[s.Key]
	if !ok {
		b.steps[s.Key] = s
		have = s
	}
	fix := fixOf(f)
	for _, x := range have.Fixes {
		if x == fix {
			return have
		}
	}
	have.Fixes = append(have.Fixes, fix)
	return have
}

// order puts the steps into p: by account, phase, resource, rank, then key.
func (b *builder) order(p *Plan) {
	accounts := map[string]bool{}
	for _, s := range b.steps {
		p.Steps = append(p.Steps, s)
		accounts[s.Account] = true
		sort.Slice(s.Fixes, func(i, j int) bool { return s.Fixes[i].String() < s.Fixes[j].String() })
	}
	for a := range accounts {
		p.Accounts = append(p.Accounts, a)
	}
	sort.Strings(p.Accounts)
	sort.Slice(p.Steps, func(i, j int) bool {
		a, c := p.Steps[i], p.Steps[j]
		switch {
		case a.Account != c.Account:
			return a.Account < c.Account
		case a.Phase != c.Phase:
			return a.Phase < c.Phase
		case a.Resource != c.Resource:
			return a.Resource < c.Resource
		case a.Rank != c.Rank:
			return a.Rank < c.Rank
		}
		return a.Key < c.Key
	})
}

// Summary is one line: how many steps for how many alarms.
func (p *Plan) Summary() string {
	manual := 0
	for _, s := range p.Steps {
		if s.Manual() {
			manual++
		}
	}
	s := fmt.Sprintf("%d steps (%d to run by hand) for %d alarms in %d account(s)", len(p.Steps), manual, p.Alarms, len(p.Accounts))
	if p.Suppressed > 0 {
		s += fmt.Sprintf("; %d alarms accepted by an exception are not planned", p.Suppressed)
	}
	if p.Errors > 0 {
		s += fmt.Sprintf("; %d findings could not be evaluated (status error) and are not planned", p.Errors)
	}
	return s
}

// cmd is a Command of service and operation in region with flag/value pairs;
// a flag followed by "" is a switch.
func cmd(service, operation, region string, flagValues ...string) Command {
	c := Command{Service: service, Operation: operation, Region: region}
	for i := 0; i+1 < len(flagValues); i += 2 {
		c.Args = append(c.Args, Arg{Flag: flagValues[i], Value: flagValues[i+1]})
	}
	return c
}

// withVar appends an option whose value is the shell variable name.
func (c Command) withVar(flag, name string) Command {
	c.Args = append(c.Args, Arg{Flag: flag, Value: name, Var: true})
	return c
}

// capture makes the command assign its text output (the --query) to name.
func (c Command) capture(name, query string) Command {
	c.Args = append(c.Args, Arg{Flag: "--query", Value: query}, Arg{Flag: "--output", Value: "text"})
	c.Capture = name
	return c
}

// shellName turns s into a shell variable name part: letters, digits, _.
func shellName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}
