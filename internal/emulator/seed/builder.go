package seed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// NamePrefix starts the name of every resource a scenario creates, so a run
// against a real account is recognisable.
const NamePrefix = "cloudtrailcc-seed-"

// ErrNoControl is returned by builder steps that only the emulator's control
// endpoint can perform when Target.Control is nil.
var ErrNoControl = errors.New("needs the emulator's control endpoint (Target.Control is nil)")

// Builder seeds one scenario step by step through AWS APIs (and the control
// endpoint). The first failing step is kept and every later step does
// nothing, so a scenario reads as a list of steps followed by Account().
type Builder struct {
	ctx     context.Context
	target  Target
	clients clientCache
	acct    *Account
	suffix  string
	err     error
}

// NewBuilder starts a scenario of kind (a short lowercase word that goes into
// resource names) against t; it reads the account id with sts:GetCallerIdentity.
func NewBuilder(ctx context.Context, t Target, kind string) *Builder {
	b := &Builder{ctx: ctx, target: t, clients: clientCache{target: t},
		acct: &Account{Kind: kind, Region: t.region()}}
	var raw [5]byte // 40 bits: 10,000 seeded accounts' buckets never share a name
	if _, err := rand.Read(raw[:]); err != nil {
		b.fail("random name suffix", err)
		return b
	}
	b.suffix = hex.EncodeToString(raw[:])
	c := b.client(t.region())
	if c == nil {
		return b
	}
	out, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		b.fail("sts:GetCallerIdentity", err)
		return b
	}
	b.acct.AccountID = aws.ToString(out.Account)
	b.acct.Partition = "aws"
	if parts := strings.SplitN(aws.ToString(out.Arn), ":", 3); len(parts) == 3 && parts[1] != "" {
		b.acct.Partition = parts[1]
	}
	return b
}

// Err returns the first error met, if any.
func (b *Builder) Err() error { return b.err }

// Account returns what was seeded and the first error met; after an error
// the Account still describes what was created so far (for Destroy).
func (b *Builder) Account() (*Account, error) { return b.acct, b.err }

// fail keeps the first error, naming the scenario and the step.
func (b *Builder) fail(step string, err error) {
	if b.err == nil {
		b.err = fmt.Errorf("seed %s: %s: %w", b.acct.Kind, step, err)
	}
}

// client returns region's clients, or nil after an error.
func (b *Builder) client(region string) *Clients {
	if b.err != nil {
		return nil
	}
	c, err := b.clients.get(region)
	if err != nil {
		b.fail("clients", err)
		return nil
	}
	return c
}

// HomeRegion is the target's home region (where specs without a region go).
func (b *Builder) HomeRegion() string { return b.target.region() }

// AccountID is the seeded account's id.
func (b *Builder) AccountID() string { return b.acct.AccountID }

// Name returns the name of the resource with role: cloudtrailcc-seed-KIND-ROLE-SUFFIX.
func (b *Builder) Name(role string) string {
	return NamePrefix + b.acct.Kind + "-" + role + "-" + b.suffix
}

// TrailARN returns the ARN the trail with role in region will have, so a
// bucket policy can name it before the trail exists.
func (b *Builder) TrailARN(region, role string) string {
	return fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", b.acct.Partition, region, b.acct.AccountID, b.Name(role))
}

// statement is one IAM policy statement (always Allow).
type statement struct {
	Sid       string
	Principal any
	Action    any
	Resource  any
	Condition map[string]any
}

// policy renders an IAM policy document of statements.
func (b *Builder) policy(stmts ...statement) string {
	doc := map[string]any{"Version": "2012-10-17"}
	var list []map[string]any
	for _, s := range stmts {
		m := map[string]any{"Sid": s.Sid, "Effect": "Allow", "Principal": s.Principal, "Action": s.Action, "Resource": s.Resource}
		if s.Condition != nil {
			m["Condition"] = s.Condition
		}
		list = append(list, m)
	}
	doc["Statement"] = list
	raw, err := json.Marshal(doc)
	if err != nil {
		b.fail("policy document", err)
		return ""
	}
	return string(raw)
}

// regionOf returns the region field of an ARN.
func regionOf(arn string) string {
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 {
		return parts[3]
	}
	return ""
}

// remove returns list without v.
func remove(list []string, v string) []string {
	out := list[:0]
	for _, s := range list {
		if s != v {
			out = append(out, s)
		}
	}
	return out
}

// second returns a call's error, dropping its output.
func second[T any](_ T, err error) error { return err }

// ignoreCode returns a call's error unless its AWS error code says there was nothing to remove.
func ignoreCode[T any](_ T, err error) error {
	if code(err) == "NoSuchPublicAccessBlockConfiguration" {
		return nil
	}
	return err
}
