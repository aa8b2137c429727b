package installtest

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	sdkgrpc "github.com/turbot/steampipe-plugin-sdk/v5/grpc"
	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"
	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/shared"
)

// modulePath is the plugin's Go module.
const modulePath = "github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc"

// ruleCount is how many rules cloudtrailcc_rule lists.
const ruleCount = 14

// repoRoot is the plugin module's directory (three levels above this one).
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test's source")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// run runs name with args in dir and returns its combined output, failing
// the test on error.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// queryRules launches the plugin binary as Steampipe does (go-plugin with
// the SDK's handshake, gRPC, the WrapperPlugin), gives it one connection
// with the default configuration, and returns the rule ids
// cloudtrailcc_rule lists, sorted.
func queryRules(t *testing.T, binary string) []string {
	t.Helper()
	const name = "cloudtrailcc"
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  shared.Handshake,
		Plugins:          map[string]goplugin.Plugin{name: &shared.WrapperPlugin{}},
		Cmd:              exec.Command(binary),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "plugin", Output: io.Discard}),
	})
	t.Cleanup(client.Kill)
	pc, err := sdkgrpc.NewPluginClient(client, name)
	if err != nil {
		t.Fatalf("connecting to the installed plugin: %v", err)
	}
	resp, err := pc.SetAllConnectionConfigs(&proto.SetAllConnectionConfigsRequest{
		Configs: []*proto.ConnectionConfig{{Connection: name, Plugin: name, PluginShortName: name, Config: ""}},
	})
	if err != nil {
		t.Fatalf("SetAllConnectionConfigs: %v", err)
	}
	if len(resp.FailedConnections) > 0 {
		t.Fatalf("SetAllConnectionConfigs: failed connections %v", resp.FailedConnections)
	}
	stream, _, cancel, err := pc.Execute(&proto.ExecuteRequest{
		Table:                 "cloudtrailcc_rule",
		QueryContext:          &proto.QueryContext{Columns: []string{"rule_id"}},
		Connection:            name,
		CallId:                fmt.Sprintf("%s-rules", t.Name()),
		ExecuteConnectionData: map[string]*proto.ExecuteConnectionData{name: {CacheEnabled: false}},
	})
	if err != nil {
		t.Fatalf("Execute cloudtrailcc_rule: %v", err)
	}
	defer cancel()
	var ids []string
	for {
		r, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading cloudtrailcc_rule: %v", err)
		}
		if r.Row != nil {
			ids = append(ids, r.Row.Columns["rule_id"].GetStringValue())
		}
	}
	sort.Strings(ids)
	return ids
}

// wantRules checks the rule ids the installed plugin listed.
func wantRules(t *testing.T, ids []string) {
	t.Helper()
	if len(ids) != ruleCount {
		t.Fatalf("cloudtrailcc_rule returned %d rows %v, want %d", len(ids), ids, ruleCount)
	}
	for _, want := range []string{"multi_region", "log_file_validation", "bucket_not_public"} {
		if i := sort.SearchStrings(ids, want); i == len(ids) || ids[i] != want {
			t.Errorf("cloudtrailcc_rule has no rule %q: %v", want, ids)
		}
	}
}
