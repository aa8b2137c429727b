package inventory

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudtrailcc/cloudtrailcc/cloudtrailcc/snapshot"
)

// isolateAWSEnv removes the AWS_* environment and shared files of the host
// for the test, and keeps the SDK from asking the EC2 metadata service.
func isolateAWSEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
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
	isolateAWSEnv(t)
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
	isolateAWSEnv(t)
	c, err := New(Config{Profile: "nosuchprofile"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Snapshot(t.Context(), snapshot.NeedAll)
	wantSetupError(t, err, `"nosuchprofile"`, "not found")
}

func TestUnreachableEndpointIsSetupError(t *testing.T) {
	isolateAWSEnv(t)
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
