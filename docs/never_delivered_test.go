package docs_test

import (
	"context"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/pgtest"
)

// TestExampleQueriesRunOnNeverDeliveredTrails runs every sql example, as
// TestExampleQueriesRunOnPostgres does, against an account whose trails
// never delivered (seed.NeverDelivered): every Latest* time is absent there,
// and each query must still run (a cast of an absent evidence time must
// read NULL). Row counts are not checked: most examples rightly find
// nothing there.
func TestExampleQueriesRunOnNeverDeliveredTrails(t *testing.T) {
	pgtest.AdminURL(t) // skips when no test database is configured
	examples, _ := exampleQueries(t)
	db := installBridge(t, seed.NeverDelivered)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn := bridgeConn(ctx, t, db)
	for _, e := range examples {
		n, err := runQuery(ctx, conn, e.sql)
		if err != nil {
			t.Errorf("%s: on an account whose trails never delivered: %v\n%s", e, err, e.sql)
			continue
		}
		t.Logf("%s: %d rows", e, n)
	}
}
