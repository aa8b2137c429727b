package pgbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// session runs the install and uninstall steps inside one transaction.
type session struct {
	tx pgx.Tx
	db string
}

// exec runs statements, wrapping the first failure with what was being done.
func (s session) exec(ctx context.Context, what string, stmts ...string) error {
	for _, stmt := range stmts {
		if _, err := s.tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %s", what, oneLine(err))
		}
	}
	return nil
}

// strings runs a query returning one text column.
func (s session) strings(ctx context.Context, out *[]string, sql string, args ...any) error {
	rows, err := s.tx.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("reading the catalog: %s", oneLine(err))
	}
	v, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("reading the catalog: %s", oneLine(err))
	}
	*out = v
	return nil
}

// lock waits for other installs and uninstalls of this database.
func (s session) lock(ctx context.Context) error {
	return s.exec(ctx, "waiting for another cloudtrailcc bridge install", fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", lockKey))
}

// checkRole fails unless the role may create program-backed file_fdw tables.
func (s session) checkRole(ctx context.Context) error {
	var role string
	var super, program bool
	err := s.tx.QueryRow(ctx, `SELECT current_user, r.rolsuper, pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER')
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&role, &super, &program)
	if err != nil {
		return fmt.Errorf("reading the role's rights: %s", oneLine(err))
	}
	if !super && !program {
		return fmt.Errorf("role %s may not run programs on the database server, which file_fdw's program option needs: use a superuser or GRANT pg_execute_server_program TO %s", role, role)
	}
	return nil
}

// ensureExtension creates file_fdw when missing and reports whether it did.
func (s session) ensureExtension(ctx context.Context) (created bool, err error) {
	var installed, available bool
	err = s.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'file_fdw'),
		EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'file_fdw')`).Scan(&installed, &available)
	if err != nil {
		return false, fmt.Errorf("reading the extensions: %s", oneLine(err))
	}
	if !installed {
		if !available {
			return false, errors.New("the file_fdw extension is not available on the database server: install PostgreSQL's contrib modules (Debian: postgresql-contrib)")
		}
		if err := s.exec(ctx, "creating extension file_fdw (needs a superuser: ask one to run CREATE EXTENSION file_fdw in database "+s.db+")",
			"CREATE EXTENSION file_fdw"); err != nil {
			return false, err
		}
		return true, nil
	}
	var usage bool
	if err := s.tx.QueryRow(ctx, `SELECT has_foreign_data_wrapper_privilege('file_fdw', 'USAGE')`).Scan(&usage); err != nil {
		return false, fmt.Errorf("reading file_fdw privileges: %s", oneLine(err))
	}
	if !usage {
		return false, errors.New("the role may not use the file_fdw foreign-data wrapper: GRANT USAGE ON FOREIGN DATA WRAPPER file_fdw TO the role, or use a superuser")
	}
	return false, nil
}

// installation returns the installation recorded on server, nil when the
// server does not exist; a server of that name that install did not create
// is an error.
func (s session) installation(ctx context.Context, server string) (*Installation, error) {
	var comment *string
	err := s.tx.QueryRow(ctx, `SELECT obj_description(oid, 'pg_foreign_server') FROM pg_foreign_server WHERE srvname = $1`, server).Scan(&comment)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading server %s: %s", server, oneLine(err))
	}
	if comment == nil || !strings.HasPrefix(*comment, commentPrefix) {
		return nil, fmt.Errorf("a foreign server named %s exists that cloudtrailcc postgres install did not create; drop it or choose another --schema", server)
	}
	var inst Installation
	if err := json.Unmarshal([]byte(strings.TrimPrefix(*comment, commentPrefix)), &inst); err != nil {
		return nil, fmt.Errorf("server %s: unreadable installation record: %w", server, err)
	}
	inst.Server = server
	return &inst, nil
}

// checkSchema reports whether schema exists and fails when it holds
// anything but foreign tables of server.
func (s session) checkSchema(ctx context.Context, schema, server string, views []string) (existed bool, err error) {
	if err := s.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&existed); err != nil {
		return false, fmt.Errorf("reading schema %s: %s", schema, oneLine(err))
	}
	if !existed {
		return false, nil
	}
	others, err := s.otherObjects(ctx, schema, server, views)
	if err != nil {
		return true, err
	}
	if len(others) > 0 {
		return true, fmt.Errorf("schema %s already holds objects that cloudtrailcc postgres install did not create (%s): choose another --schema or empty it", schema, strings.Join(others, ", "))
	}
	return true, nil
}

// otherObjects lists (at most six) objects in schema other than the
// foreign tables of server and the views an installation made:
// relations, functions and standalone types.
func (s session) otherObjects(ctx context.Context, schema, server string, views []string) ([]string, error) {
	var out []string
	err := s.strings(ctx, &out, `
		SELECT kind || ' ' || name FROM (
			SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
				WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table'
				WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'c' THEN 'type' ELSE 'relation' END AS kind, c.relname::text AS name
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
			LEFT JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
			WHERE n.nspname = $1 AND (fs.srvname IS NULL OR fs.srvname <> $2)
				AND NOT (c.relkind = 'v' AND c.relname = ANY(coalesce($3::text[], '{}')))
			UNION ALL
			SELECT 'function', p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
			UNION ALL
			SELECT 'type', t.typname::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
			WHERE n.nspname = $1 AND t.typrelid = 0 AND t.typelem = 0
		) o ORDER BY 1 LIMIT 6`, schema, server, views)
	if err != nil {
		return nil, err
	}
	if len(out) == 6 {
		out = append(out[:5], "...")
	}
	return out, nil
}

// dropTablesAndServer drops an installation's foreign tables and server
// without CASCADE, so an object that depends on them stops it.
func (s session) dropTablesAndServer(ctx context.Context, inst *Installation) error {
	for _, v := range inst.Views {
		if err := s.exec(ctx, "dropping view "+inst.Schema+"."+v,
			"DROP VIEW IF EXISTS "+ident(inst.Schema)+"."+ident(v)); err != nil {
			return err
		}
	}
	var tables []string
	if err := s.strings(ctx, &tables, `SELECT c.relname::text FROM pg_foreign_table ft
		JOIN pg_class c ON c.oid = ft.ftrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
		WHERE fs.srvname = $1 AND n.nspname = $2 ORDER BY 1`, inst.Server, inst.Schema); err != nil {
		return err
	}
	for _, t := range tables {
		if err := s.exec(ctx, "dropping foreign table "+inst.Schema+"."+t,
			"DROP FOREIGN TABLE "+ident(inst.Schema)+"."+ident(t)); err != nil {
			return err
		}
	}
	return s.exec(ctx, "dropping server "+inst.Server, "DROP SERVER "+ident(inst.Server))
}

// probe reads a table to prove the server can run its command. It uses
// the simple protocol: with the extended protocol inside a transaction,
// file_fdw reports a failed program only when the portal is dropped, after
// the (empty) result.
func (s session) probe(ctx context.Context, schema, table, command string) error {
	var n int64
	err := s.tx.QueryRow(ctx, "SELECT count(*) FROM "+ident(schema)+"."+ident(table), pgx.QueryExecModeSimpleProtocol).Scan(&n)
	if err != nil {
		return fmt.Errorf("the database server could not read %s.%s by running %s: %s (the server must run on this machine, and its OS user must be able to run the program and read its config file)",
			schema, table, command, oneLine(err))
	}
	if n == 0 {
		return fmt.Errorf("the database server read no rows from %s.%s by running %s", schema, table, command)
	}
	return nil
}
