package inproc

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/turbot/steampipe-plugin-sdk/v5/anywhere"
	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"
)

// Query runs `select columns from table where quals` on connection and
// returns the rows. No columns means every column. Quals on key columns are
// passed to the plugin as Steampipe passes them; every qual is then applied
// to the rows, as PostgreSQL would.
func (c *Client) Query(ctx context.Context, connection, table string, columns []string, quals []Qual) ([]Row, error) {
	var out []Row
	err := c.Scan(ctx, connection, table, columns, quals, func(r Row) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Scan is Query calling fn with each row as it arrives instead of
// returning them all, so a caller that only aggregates never holds the
// whole result. When the scan fails after some rows, fn has seen them and
// the error is returned; an error of fn ends the scan and is returned.
func (c *Client) Scan(ctx context.Context, connection, table string, columns []string, quals []Qual, fn func(Row) error) error {
	req, columns, err := c.request(connection, table, columns, quals)
	if err != nil {
		return err
	}
	fetch := req.QueryContext.Columns
	err = c.execute(ctx, req, func(pr *proto.Row) error {
		row := Row{}
		for _, col := range fetch {
			v, err := fromColumn(pr.Columns[col])
			if err != nil {
				return fmt.Errorf("%s.%s: %w", table, col, err)
			}
			row[col] = v
		}
		if !matchAll(row, quals) {
			return nil
		}
		for col := range row {
			if !slices.Contains(columns, col) {
				delete(row, col)
			}
		}
		return fn(row)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	return nil
}

// ScanWire is Scan without quals handing fn each row as the plugin sent
// it, before any value is decoded: for a reader that looks at a few of the
// columns it asked for, as Steampipe's foreign data wrapper takes rows off
// the stream and leaves their decoding to PostgreSQL. fn must not keep the
// row.
func (c *Client) ScanWire(ctx context.Context, connection, table string, columns []string, fn func(*proto.Row) error) error {
	req, _, err := c.request(connection, table, columns, nil)
	if err != nil {
		return err
	}
	if err := c.execute(ctx, req, fn); err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	return nil
}

// request checks a scan of table on connection (the columns, every
// column when none, and the quals' columns and values) and returns its
// Execute request, which fetches the qual columns too, and the columns the
// caller gets.
func (c *Client) request(connection, table string, columns []string, quals []Qual) (*proto.ExecuteRequest, []string, error) {
	if !slices.Contains(c.conns, connection) {
		return nil, nil, fmt.Errorf("unknown connection %q; connections: %s", connection, strings.Join(c.conns, ", "))
	}
	ts, ok := c.schema[table]
	if !ok {
		return nil, nil, fmt.Errorf("unknown table %q; tables: %s", table, strings.Join(slices.Sorted(maps.Keys(c.schema)), ", "))
	}
	types := map[string]proto.ColumnType{}
	var all []string
	for _, col := range ts.Columns {
		types[col.Name] = col.Type
		all = append(all, col.Name)
	}
	if len(columns) == 0 {
		columns = all
	}
	for _, col := range columns {
		if _, ok := types[col]; !ok {
			return nil, nil, fmt.Errorf("table %s has no column %q; columns: %s", table, col, strings.Join(all, ", "))
		}
	}
	protoQuals, err := toProtoQuals(quals, types)
	if err != nil {
		return nil, nil, fmt.Errorf("table %s: %w", table, err)
	}
	// the plugin needs the qual columns too, to filter afterwards
	fetch := slices.Clone(columns)
	for _, q := range quals {
		if !slices.Contains(fetch, q.Column) {
			fetch = append(fetch, q.Column)
		}
	}
	return &proto.ExecuteRequest{
		Table:        table,
		QueryContext: &proto.QueryContext{Columns: fetch, Quals: protoQuals},
		Connection:   connection,
		CallId:       fmt.Sprintf("inproc-%d-%d", os.Getpid(), c.callID.Add(1)),
		ExecuteConnectionData: map[string]*proto.ExecuteConnectionData{
			connection: {CacheEnabled: false},
		},
	}, columns, nil
}

// execute runs req through the SDK's in-process path (CallExecuteAsync with
// a LocalPluginStream) and hands each row to fn as it arrives.
//
// The stream carries: the rows, a nil row when the scan is done, then
// either a second nil row (success) or the error. The second Recv after the
// end-of-scan nil can come back empty both because of a second nil row and
// because the stream was closed with an error not yet seen; a probe row
// (dropped by a closed stream, delivered by an open one) tells them apart.
func (c *Client) execute(ctx context.Context, req *proto.ExecuteRequest, fn func(*proto.Row) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream := anywhere.NewLocalPluginStream(ctx)
	c.server.CallExecuteAsync(req, stream)

	ends := 0
	for {
		resp, err := stream.Recv()
		if err != nil {
			return err
		}
		if resp != nil && resp != probe {
			if resp.Row != nil {
				if err := fn(resp.Row); err != nil {
					return err
				}
			}
			continue
		}
		if resp == probe {
			return nil // the stream is open: the second nil was success
		}
		ends++
		if ends == 2 {
			if err := stream.Send(probe); err != nil {
				return err
			}
		}
	}
}

// probe is the marker execute sends itself to learn whether the stream was
// closed by an error.
var probe = &proto.ExecuteResponse{}

// fromColumn converts a column value from the wire to Go.
func fromColumn(c *proto.Column) (any, error) {
	if c == nil {
		return nil, nil
	}
	switch v := c.Value.(type) {
	case nil, *proto.Column_NullValue:
		return nil, nil
	case *proto.Column_StringValue:
		return v.StringValue, nil
	case *proto.Column_IntValue:
		return v.IntValue, nil
	case *proto.Column_DoubleValue:
		return v.DoubleValue, nil
	case *proto.Column_BoolValue:
		return v.BoolValue, nil
	case *proto.Column_TimestampValue:
		return v.TimestampValue.AsTime(), nil
	case *proto.Column_JsonValue:
		var out any
		if err := json.Unmarshal(v.JsonValue, &out); err != nil {
			return nil, fmt.Errorf("decoding JSON value: %w", err)
		}
		return out, nil
	case *proto.Column_IpAddrValue:
		return v.IpAddrValue, nil
	case *proto.Column_CidrRangeValue:
		return v.CidrRangeValue, nil
	case *proto.Column_LtreeValue:
		return v.LtreeValue, nil
	}
	return nil, fmt.Errorf("unexpected column value %T", c.Value)
}
