package scenario

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// motoScriptVar names the script that starts moto (shared/moto/up.sh): when
// set, the whole suite runs against moto instead of the emulator, each test
// in an account of its own, and only the gaps of motoGaps may differ.
const motoScriptVar = "CLOUDTRAILCC_SCENARIO_MOTO"

// motoURL is the base URL of the moto server the suite runs against ("" =
// the suite runs against the emulator or AWS_ENDPOINT_URL).
var motoURL string

// TestMain starts moto when motoScriptVar names its start script, runs the
// suite, prints the tally of what the gap table excused and stops moto.
func TestMain(m *testing.M) {
	script := os.Getenv(motoScriptVar)
	if script == "" {
		code := m.Run()
		fmt.Println("scenario tally against the emulator:")
		printTally(os.Stdout)
		os.Exit(code)
	}
	began := time.Now()
	stop, err := startMoto(script)
	if err != nil {
		fmt.Fprintf(os.Stderr, "scenario: %s=%s: moto could not be started: %v\n", motoScriptVar, script, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "scenario: against moto at %s (started by %s in %s); excused differences come from motoGaps only\n",
		motoURL, script, time.Since(began).Round(time.Second))
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

// startMoto runs script on a free loopback port and returns how to stop the
// server it started. The script prints MOTO_URL, MOTO_PID and MOTO_DIR.
func startMoto(script string) (stop func(), err error) {
	abs, err := filepath.Abs(script)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o022 != 0 {
		return nil, fmt.Errorf("%s must be a regular file writable by its owner only (mode %s)", abs, fi.Mode())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", abs, strconv.Itoa(port))
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %d: %w", abs, port, err)
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.HasPrefix(k, "MOTO_") {
			vars[k] = v
		}
	}
	pid, err := strconv.Atoi(vars["MOTO_PID"])
	if err != nil || pid <= 1 || vars["MOTO_URL"] != fmt.Sprintf("http://127.0.0.1:%d", port) {
		return nil, fmt.Errorf("%s printed no usable MOTO_URL and MOTO_PID: %q", abs, stdout.String())
	}
	motoURL = vars["MOTO_URL"]
	dir := vars["MOTO_DIR"]
	return func() {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		if dir != "" && strings.HasPrefix(filepath.Base(dir), "moto.") {
			_ = os.RemoveAll(dir)
		}
	}, nil
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
