package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// notRunHere are the README commands this test does not run, by the start
// of their command line, each with the reason and what tests it instead.
var notRunHere = []struct{ prefix, why string }{
	{"make demo", "builds bin/cloudtrailcc and runs `cloudtrailcc demo`, which this test runs"},
	{"make test", "the suite this test is part of"},
	{"make install", "writes into ~/.steampipe; the contract test launches the same plugin binary over Steampipe's plugin protocol"},
	{"steampipe ", "the Steampipe CLI cannot be installed on the build machines; the contract test stands in for it"},
	{"cd mods/cloudtrailcc", "make e2e runs the mod's benchmark with the real Powerpipe"},
	{"powerpipe ", "make e2e runs the mod's benchmark with the real Powerpipe"},
	{"aws cloudformation ", "deploys a StackSet across an AWS organization; there is none here"},
	{"go install github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc@", "installs from the public module proxy; make test-install runs go install of this module from a file module proxy (TestGoInstallFromModuleProxy)"},
	{"cloudtrailcc verify --trail-arn arn:aws:cloudtrail:us-east-1:111122223333:", "names an organization trail of an example organization; the logintegrity tests verify organization trails per member account in the emulator"},
	{"go build -o bin/cloudtrailcc ./cmd/cloudtrailcc", "TestMain builds the binary the other commands run"},
	{"bin/awsemu ", "runs the emulator in the background; cmd/awsemu's tests start it as a process and call it"},
	{"export AWS_", "sets up the shell for the AWS CLI lines after it; cmd/awsemu's tests use the AWS CLI against the emulator"},
	{"aws --endpoint-url ", "the AWS CLI against the emulator: cmd/awsemu's and the AWS CLI test's subject"},
	{"HTTP_PROXY=", "the AWS CLI through the emulator as proxy: cmd/awsemu's tests"},
	{"CLOUDTRAILCC_AWS_ARGS=", "applies a plan to an account; TestRemediateScriptRunAgainstTheEmulatorTurnsAlarmsOK runs a plan against the emulator"},
	{"bin/cloudtrailcc postgres ", "needs a database named audit; the postgres tests install into and uninstall from the test database"},
}

// readmeCommands are the command lines of the README's sh code blocks, in
// order, with continuation lines joined and comments removed.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		block := strings.ReplaceAll(m[1], "\\\n", " ")
		for _, line := range strings.Split(block, "\n") {
			if i := strings.Index(line, " #"); i >= 0 {
				line = line[:i]
			}
			if line = strings.Join(strings.Fields(line), " "); line != "" {
				cmds = append(cmds, line)
			}
		}
	}
	return cmds
}

// cliArgs is the command line's cloudtrailcc arguments and the file its
// stdout goes to ("" for none), ok false when it does not run cloudtrailcc.
func cliArgs(line string) (args []string, stdoutFile string, ok bool) {
	for _, prefix := range []string{"bin/cloudtrailcc ", "go run ./cmd/cloudtrailcc ", "cloudtrailcc "} {
		if rest, found := strings.CutPrefix(line, prefix); found {
			if before, after, redirected := strings.Cut(rest, " > "); redirected {
				rest, stdoutFile = before, strings.TrimSpace(after)
			}
			return strings.Fields(rest), stdoutFile, true
		}
	}
	return nil, "", false
}

func TestEveryREADMECommandRunsAgainstTheEmulator(t *testing.T) {
	url := seededEmulator(t)
	// The README's commands run in one directory, in order (an export of
	// one is the input of a later one), as a user with the emulator as
	// their AWS: its endpoint and keys in the environment, and the
	// "audit" profile the README names in ~/.aws/config.
	dir, home := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	profile := "[profile audit]\naws_access_key_id = " + demoAccessKey + "\naws_secret_access_key = " + demoSecretKey + "\nregion = us-east-1\n"
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": home, "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": demoAccessKey,
		"AWS_SECRET_ACCESS_KEY": demoSecretKey, "AWS_REGION": "us-east-1"}

	ran := 0
	for _, line := range readmeCommands(t) {
		skipped := false
		for _, n := range notRunHere {
			if strings.HasPrefix(line, n.prefix) {
				t.Logf("not run: %s (%s)", line, n.why)
				skipped = true
				break
			}
		}
		if skipped {
			continue
		}
		args, stdoutFile, ok := cliArgs(line)
		if !ok {
			t.Errorf("README command %q is neither run by this test nor listed in notRunHere with the reason", line)
			continue
		}
		r := cliWithEnv(t, dir, env, args...)
		if r.code != exitOK && r.code != exitAlarm {
			t.Errorf("%s: exit %d, want 0 or 1 (alarms)\n%s", line, r.code, r.stderr)
			continue
		}
		if stdoutFile != "" {
			if err := os.WriteFile(filepath.Join(dir, stdoutFile), []byte(r.stdout), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if strings.TrimSpace(r.stdout) == "" {
			t.Errorf("%s: printed nothing on stdout", line)
		}
		for _, f := range regexp.MustCompile(`--export (\S+\.\w+)`).FindAllStringSubmatch(line, -1) {
			if st, err := os.Stat(filepath.Join(dir, f[1])); err != nil || st.Size() == 0 {
				t.Errorf("%s: did not write %s: %v", line, f[1], err)
			}
		}
		ran++
	}
	if ran < 10 {
		t.Errorf("ran %d README commands; the README shows more", ran)
	}
}
