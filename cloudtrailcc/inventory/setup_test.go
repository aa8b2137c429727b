package inventory

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// TestMain keeps the host's AWS environment and shared files out of the
// tests, and the SDK from asking the EC2 metadata service.
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			os.Unsetenv(k)
		}
	}
	dir, err := os.MkdirTemp("", "inventory-test")
	if err != nil {
		panic(err)
	}
	os.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func wantSetupError(t *testing.T, err error, parts ...string) {
	t.Helper()
	var se *SetupError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want *SetupError", err, err)
	}
	if strings.Contains(se.Error(), "\n") {
		t.Errorf("setup error spans lines: %q", se.Error())
	}
	for _, p := range parts {
		if !strings.Contains(se.Error(), p) {
			t.Errorf("setup error %q does not mention %q", se.Error(), p)
		}
	}
}

func TestMissingCredentialsIsSetupError(t *testing.T) {
	t.Parallel()
	c, err := New(Config{EndpointURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Snapshot(t.Context(), snapshot.NeedAll)
	wantSetupError(t, err, "no AWS credentials found", "access_key/secret_key", "AWS_ACCESS_KEY_ID")
	if n := len(c.APICalls()); n != 0 {
		t.Errorf("calls were made without credentials: %v", c.APICalls())
	}
}

func TestMissingProfileIsSetupError(t *testing.T) {
	t.Parallel()
	c, err := New(Config{Profile: "nosuchprofile"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Snapshot(t.Context(), snapshot.NeedAll)
	wantSetupError(t, err, `"nosuchprofile"`, "not found")
}

func TestUnreachableEndpointIsSetupError(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	c, err := New(Config{EndpointURL: url, AccessKey: "test", SecretKey: "test", Regions: []string{"us-east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Snapshot(t.Context(), snapshot.NeedAll)
	wantSetupError(t, err, "cannot reach the AWS endpoint "+url, "endpoint_url")
	if got := c.APICalls(); got["sts:GetCallerIdentity"] != 1 || len(got) != 1 {
		t.Errorf("calls = %v, want only one sts:GetCallerIdentity (connection errors are not retried)", got)
	}
}

func TestProfileWithoutCredentialsNamesTheProfile(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	if err := os.WriteFile(cfgFile, []byte("[profile audit]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	c, err := New(Config{Profile: "audit"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Snapshot(t.Context(), snapshot.NeedAll)
	wantSetupError(t, err, `profile "audit"`)
}
