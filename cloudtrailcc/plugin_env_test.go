package cloudtrailcc

import (
	"context"
	"os"
	"testing"
)

func TestPluginKeepsTheSDKFromFreeingMemoryPerQueryUnlessTheUserChose(t *testing.T) {
	t.Setenv(freeMemIntervalEnv, "")
	os.Unsetenv(freeMemIntervalEnv)
	Plugin(context.Background())
	if v := os.Getenv(freeMemIntervalEnv); v != "0" {
		t.Errorf("%s = %q after Plugin; want 0 (off)", freeMemIntervalEnv, v)
	}
	t.Setenv(freeMemIntervalEnv, "500")
	Plugin(context.Background())
	if v := os.Getenv(freeMemIntervalEnv); v != "500" {
		t.Errorf("%s = %q after Plugin; want the user's 500 kept", freeMemIntervalEnv, v)
	}
}
