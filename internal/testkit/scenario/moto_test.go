package scenario

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/motoup"
)

// motoVar, set to 1, runs the whole suite against moto instead of the
// emulator (make test-moto), each test in an account of its own; only the
// gaps of motoGaps may differ. moto is the server motoup.URLVar names, else
// one started by the script motoup.ScriptVar names (default
// ../shared/moto/up.sh beside the checkout).
const motoVar = "CLOUDTRAILCC_SCENARIO_MOTO"

// motoURL is the base URL of the moto server the suite runs against ("" =
// the suite runs against the emulator or AWS_ENDPOINT_URL).
var motoURL string

// TestMain starts moto when motoVar asks for it, runs the suite, prints the
// tally of what the gap table excused and stops moto.
func TestMain(m *testing.M) {
	if os.Getenv(motoVar) != "1" {
		code := m.Run()
		fmt.Println("scenario tally against the emulator:")
		printTally(os.Stdout)
		os.Exit(code)
	}
	began := time.Now()
	url, stop, err := motoup.Start(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "scenario: %s=1 but moto could not be started: %v\n", motoVar, err)
		os.Exit(1)
	}
	motoURL = url
	fmt.Fprintf(os.Stderr, "scenario: against moto at %s (ready in %s); excused differences come from motoGaps only\n",
		motoURL, time.Since(began).Round(time.Second))
	began = time.Now()
	code := m.Run()
	stop()
	fmt.Printf("scenario: the suite ran against moto in %s\n", time.Since(began).Round(time.Second))
	fmt.Println("scenario tally against moto:")
	if unused := printTally(os.Stdout); len(unused) > 0 {
		fmt.Printf("FAIL: motoGaps entries that excused nothing on a run of the whole suite (remove them): %s\n", strings.Join(unused, ", "))
		code = max(code, 1)
	}
	os.Exit(code)
}

// motoAccount gives the test an account of its own on moto: moto answers
// sts:AssumeRole into any account with keys that act in that account, so
// every test sees only what it seeded, in parallel with the others.
func (e *env) motoAccount() {
	e.t.Helper()
	n, err := rand.Int(rand.Reader, big.NewInt(899_999_999_999))
	if err != nil {
		e.t.Fatal(err)
	}
	id := fmt.Sprint(100_000_000_000 + n.Int64())
	c, err := seed.NewClients(seed.Target{EndpointURL: motoURL, AccessKey: "test", SecretKey: "test"}, "us-east-1")
	if err != nil {
		e.t.Fatal(err)
	}
	out, err := c.STS.AssumeRole(e.ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + id + ":role/cloudtrailcc-scenario"), RoleSessionName: aws.String("scenario")})
	if err != nil {
		e.t.Fatalf("moto: assume a role in a fresh account: %v", err)
	}
	if out.Credentials == nil || aws.ToString(out.Credentials.AccessKeyId) == "" {
		e.t.Fatalf("moto: AssumeRole returned no credentials")
	}
	e.target = seed.Target{EndpointURL: motoURL, AccessKey: aws.ToString(out.Credentials.AccessKeyId),
		SecretKey: aws.ToString(out.Credentials.SecretAccessKey), Region: "us-east-1"}
	e.sessionToken = aws.ToString(out.Credentials.SessionToken)
	e.accountID = id
}
