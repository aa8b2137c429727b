package pgbridge_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/pgbridge"
)

func TestWriteCSVTellsNullFromEmpty(t *testing.T) {
	cols := []inproc.Column{{Name: "a", Type: "STRING"}, {Name: "b", Type: "STRING"}, {Name: "c", Type: "INT"}, {Name: "d", Type: "TIMESTAMP"}}
	var buf bytes.Buffer
	err := pgbridge.WriteCSV(&buf, cols, []inproc.Row{
		{"a": "", "b": nil, "c": int64(7), "d": time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))},
		{"a": `x"y`},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "\"\",,\"7\",\"2026-01-02T02:04:05Z\"\n\"x\"\"y\",,,\n"
	if buf.String() != want {
		t.Errorf("got %q\nwant %q", buf.String(), want)
	}
}

func TestWriteCSVRejectsMistypedValues(t *testing.T) {
	err := pgbridge.WriteCSV(&bytes.Buffer{}, []inproc.Column{{Name: "n", Type: "INT"}}, []inproc.Row{{"n": "seven"}})
	if err == nil || !strings.Contains(err.Error(), "column n") {
		t.Fatalf("got %v, want an error naming the column", err)
	}
}

func TestPGTypeMatchesSteampipeFDW(t *testing.T) {
	for st, pg := range map[string]string{"STRING": "text", "INT": "bigint", "DOUBLE": "double precision", "BOOL": "boolean",
		"JSON": "jsonb", "TIMESTAMP": "timestamp with time zone", "IPADDR": "inet", "CIDR": "cidr"} {
		if got, err := pgbridge.PGType(st); err != nil || got != pg {
			t.Errorf("%s: got %q, %v; want %s", st, got, err, pg)
		}
	}
	if _, err := pgbridge.PGType("UUID"); err == nil {
		t.Error("unknown type accepted")
	}
}
