package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/pgbridge"
)

// bridgeCacheTTL is the snapshot cache period the bridge's connection gets
// unless its config sets cache_ttl: Steampipe's default, so a benchmark run
// (one foreign-table scan per control) reads the AWS account once.
const bridgeCacheTTL = 300

// bridgeProbeTable is read during install to prove the database server can
// run the export: the catalogue, which needs no AWS access.
const bridgeProbeTable = "cloudtrailcc_rule"

// bridgeOutput is the export output format the foreign tables read
// (pgbridge.WriteCSV); hidden from export's help.
const bridgeOutput = "fdw-csv"

// postgresOptions are the flags of `postgres install` and `postgres uninstall`.
type postgresOptions struct {
	database string
	schema   string
	stateDir string
	program  string
	force    bool
}

// newPostgresCmd builds `cloudtrailcc postgres install|uninstall`: the
// plugin's tables as foreign tables of a plain PostgreSQL database.
func newPostgresCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "postgres",
		Short: "Put the plugin's tables into a plain PostgreSQL database (no Steampipe)",
		Long: `Install the plugin's tables into a schema of a PostgreSQL database as real
foreign tables (file_fdw, each running this binary's export when scanned),
with Steampipe's table names and column types, so SQL written for Steampipe
- such as the Powerpipe mod's controls - runs unchanged:

  cloudtrailcc postgres install --database postgres://user:pass@127.0.0.1:5432/db --config aws.spc
  powerpipe benchmark run cloudtrailcc.benchmark.cloudtrail_best_practices \
    --database postgres://user:pass@127.0.0.1:5432/db --search-path-prefix cloudtrailcc

The database server must run on this machine (it runs this binary), and the
role must be a superuser or a member of pg_execute_server_program. Install
replaces an earlier install in the same schema; uninstall drops exactly
what install created.

The program: the server runs it as its own OS user on every scan, so
install refuses (unless --force) a program that a user other than root and
you could change: the file, or a directory above it, owned by another user
or writable by group or others. It then copies the program into
STATE-DIR/bin/cloudtrailcc (yours: root's for a root install, mode 0755)
and the tables run that copy.

Who can read what: the connection (the --config file or the connection
flags) is written to STATE-DIR/SCHEMA-XXXXXXXX.spc, mode 0600, and the
account snapshots to STATE-DIR/cache (mode 0700, cache_ttl = 300 unless
set, so a benchmark run reads the AWS account once). A root install gives
STATE-DIR (0700, not listable by others) and both to the server's OS user.
They are readable by root, by that OS user, and so by every database role
that can make the server read a file or run a program: superusers and
members of pg_read_server_files or pg_execute_server_program. The file's
path is visible to every role (in the tables' options). Those roles can
also use whatever AWS credentials the bridge uses, instance role included:
grant them only to whom you would give this read-only AWS access.

The export runs as the database server's OS user with the server's
environment: AWS_* variables of this shell do not reach it. Prefer a
profile that user's ~/.aws files define with a role, SSO or
credential_process, or an instance role, to static keys: access_key and
secret_key are stored in the connection file, and install warns about
them.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newPostgresInstallCmd(g), newPostgresUninstallCmd())
	return cmd
}

// addDatabaseFlags adds --database and --schema.
func addDatabaseFlags(cmd *cobra.Command, o *postgresOptions) {
	cmd.Flags().StringVar(&o.database, "database", "", "PostgreSQL connection URL, e.g. postgres://user:password@127.0.0.1:5432/dbname (required)")
	cmd.Flags().StringVar(&o.schema, "schema", pgbridge.DefaultSchema, "schema holding the foreign tables")
}

// newPostgresInstallCmd is postgres install; it takes the connection flags
// (g), which describe the connection the tables will read.
func newPostgresInstallCmd(g *globals) *cobra.Command {
	o := &postgresOptions{}
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Create the plugin's tables as foreign tables in a schema (one transaction)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPostgresInstall(cmd.Context(), cmd, g, o)
		},
	}
	g.register(cmd)
	addDatabaseFlags(cmd, o)
	cmd.Flags().StringVar(&o.stateDir, "state-dir", defaultStateDir(), "directory for the bridge's connection file and snapshot cache; the database server's OS user must be able to read it")
	cmd.Flags().StringVar(&o.program, "program", "", "cloudtrailcc binary to install for the database server, copied into STATE-DIR/bin (default: this binary)")
	cmd.Flags().BoolVar(&o.force, "force", false, "install the program even when users other than root and you could change it")
	return cmd
}

func newPostgresUninstallCmd() *cobra.Command {
	o := &postgresOptions{}
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Drop what install created in the schema (one transaction)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			inst, kept, err := pgbridge.Uninstall(cmd.Context(), o.database, o.schema)
			if err != nil {
				return usageError("%v", err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "dropped %d foreign tables and server %s from schema %s\n", len(inst.Tables), inst.Server, inst.Schema)
			for _, k := range kept {
				fmt.Fprintf(out, "kept %s\n", k)
			}
			removed, err := removeBridgeFiles(inst)
			for _, f := range removed {
				fmt.Fprintf(out, "removed %s\n", f)
			}
			if err != nil {
				return usageError("%v", err)
			}
			return nil
		},
	}
	addDatabaseFlags(cmd, o)
	return cmd
}

// defaultStateDir is /var/lib/cloudtrailcc/bridge for root (whose home the
// database server usually cannot enter), else XDG_STATE_HOME or
// ~/.local/state, under cloudtrailcc/bridge.
func defaultStateDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/cloudtrailcc/bridge"
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "cloudtrailcc", "bridge")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "cloudtrailcc", "bridge")
	}
	return filepath.Join(os.TempDir(), "cloudtrailcc-bridge")
}

func runPostgresInstall(ctx context.Context, cmd *cobra.Command, g *globals, o *postgresOptions) error {
	if err := pgbridge.CheckSchema(o.schema); err != nil {
		return usageError("%v", err)
	}
	src, err := bridgeProgram(o.program)
	if err != nil {
		return usageError("%v", err)
	}
	var warnings []string
	if err := pgbridge.CheckProgram(src, os.Geteuid()); err != nil {
		var ue *pgbridge.UntrustedProgramError
		if !o.force || !errors.As(err, &ue) {
			return usageError("%v", err)
		}
		warnings = append(warnings, "--force: installing a copy of "+ue.Detail())
	}
	conn, err := g.connectionConfig()
	if err != nil {
		return err
	}
	// The database server's OS user runs the export: find it (the owner of
	// the data directory) so that, as root, the files can be handed to it.
	owner, err := pgbridge.ServerOwner(ctx, o.database)
	if err != nil {
		return usageError("%v", err)
	}
	conn, cacheDir := bridgeConnection(conn, filepath.Join(o.stateDir, "cache"))
	client, err := inproc.New(ctx, []inproc.Connection{conn.hcl()})
	if err != nil {
		return usageError("%v", err)
	}
	defer client.Close()
	tables, err := client.Schema(ctx)
	if err != nil {
		return usageError("reading the plugin's schema: %v", err)
	}
	configFile, err := writeBridgeConfig(o.stateDir, cacheDir, o.schema, conn, owner)
	if err != nil {
		return usageError("%v", err)
	}
	program, err := pgbridge.InstallProgram(src, pgbridge.ProgramDir(o.stateDir))
	if err != nil {
		_ = os.Remove(configFile)
		return usageError("%v", err)
	}
	if staticKeys(conn) {
		warnings = append(warnings, fmt.Sprintf("the connection holds static AWS keys (access_key/secret_key), now stored in %s: "+
			"the database server's OS user can read it, and so can superusers and every role in pg_read_server_files or pg_execute_server_program; "+
			"prefer a profile with a role, SSO or credential_process, or an instance role", configFile))
	}
	inst, previous, err := pgbridge.Install(ctx, pgbridge.Options{
		DatabaseURL: o.database,
		Schema:      o.schema,
		Tables:      tables,
		Command: func(table string, columns []string) string {
			args := []string{pgbridge.ShellQuote(program), "export", table,
				"--output", bridgeOutput, "--config", pgbridge.ShellQuote(configFile)}
			if columns != nil {
				args = append(args, "--columns", pgbridge.ShellQuote(strings.Join(columns, ",")))
			}
			return strings.Join(args, " ")
		},
		// The findings' tags cost calls no rule makes: read them only for
		// a query that names them, as Steampipe does.
		Lazy:       map[string]pgbridge.LazyColumns{"cloudtrailcc_finding": {Key: "resource", Columns: []string{cloudtrailcc.FindingTagsColumn}}},
		ConfigFile: configFile,
		CacheDir:   cacheDir,
		Program:    program,
		ProbeTable: bridgeProbeTable,
	})
	if err != nil {
		_ = os.Remove(configFile)
		if !otherInstalls(configFile) {
			_ = pgbridge.RemoveProgram(program)
		}
		return usageError("%v", err)
	}
	if previous != nil && previous.ConfigFile != "" && previous.ConfigFile != configFile {
		_ = os.Remove(previous.ConfigFile)
	}
	printInstalled(cmd.OutOrStdout(), inst, previous != nil, o, program)
	for _, w := range warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+w)
	}
	return nil
}

// staticKeys reports whether the connection sets access_key or secret_key.
func staticKeys(conn connection) bool {
	return conn.str("access_key") != "" || conn.str("secret_key") != ""
}

// otherInstalls reports whether connection files of other installations
// are left beside configFile (they share the program copy and the cache).
func otherInstalls(configFile string) bool {
	others, _ := filepath.Glob(filepath.Join(filepath.Dir(configFile), "*.spc"))
	for _, o := range others {
		if o != configFile {
			return true
		}
	}
	return false
}

// bridgeProgram returns the absolute path of the binary the server runs.
func bridgeProgram(flag string) (string, error) {
	p := flag
	if p == "" {
		self, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("finding this binary: %w", err)
		}
		p = self
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("--program %q: %w", p, err)
	}
	if resolved, err := filepath.EvalSymlinks(abs); err == nil {
		abs = resolved
	}
	fi, err := os.Stat(abs)
	if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return "", fmt.Errorf("--program %q is not an executable file", p)
	}
	return abs, nil
}

// bridgeConnection adds the bridge's cache settings to conn, keeping
// cache_ttl and cache_dir when the connection sets them. It returns the
// cache directory it set ("" when the connection brought its own).
func bridgeConnection(conn connection, cacheDir string) (connection, string) {
	add := map[string]cty.Value{}
	if !conn.has("cache_ttl") {
		add["cache_ttl"] = cty.NumberIntVal(bridgeCacheTTL)
	}
	if conn.has("cache_dir") {
		cacheDir = ""
	} else {
		add["cache_dir"] = cty.StringVal(cacheDir)
	}
	return conn.with(add), cacheDir
}

// removeBridgeFiles removes an uninstalled bridge's connection file and,
// when no other installation's connection file is left beside it, the
// program copy and the snapshot cache directory the install set up (the
// snapshots describe the account's security configuration). It returns
// what it removed.
func removeBridgeFiles(inst *pgbridge.Installation) ([]string, error) {
	var removed []string
	if inst.ConfigFile != "" {
		if err := os.Remove(inst.ConfigFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, fmt.Errorf("removing the bridge's connection file: %w", err)
		}
		removed = append(removed, inst.ConfigFile)
	}
	if inst.ConfigFile == "" || otherInstalls(inst.ConfigFile) {
		return removed, nil
	}
	if inst.Program != "" {
		if err := pgbridge.RemoveProgram(inst.Program); err != nil {
			return removed, err
		}
		removed = append(removed, inst.Program)
	}
	if inst.CacheDir == "" {
		return removed, nil
	}
	if err := os.RemoveAll(inst.CacheDir); err != nil {
		return removed, fmt.Errorf("removing the bridge's snapshot cache: %w", err)
	}
	return append(removed, inst.CacheDir), nil
}

// writeBridgeConfig writes conn as a Steampipe .spc file (mode 0600) in a
// new file of stateDir and creates the cache directory; as root it hands
// both to the database server's OS user.
func writeBridgeConfig(stateDir, cacheDir, schema string, conn connection, owner pgbridge.Owner) (string, error) {
	for _, d := range []string{stateDir, cacheDir} {
		if d == "" {
			continue // the connection brought its own cache_dir
		}
		if err := os.MkdirAll(d, 0o700); err != nil {
			return "", fmt.Errorf("creating %s: %w", d, err)
		}
		// Not listable by others, whatever an earlier run left.
		if err := os.Chmod(d, 0o700); err != nil {
			return "", fmt.Errorf("setting the mode of %s: %w", d, err)
		}
		if err := chownToServer(d, owner); err != nil {
			return "", err
		}
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	path := filepath.Join(stateDir, schema+"-"+hex.EncodeToString(suffix)+".spc")
	body := "# Written by `cloudtrailcc postgres install`; removed by `cloudtrailcc postgres uninstall`.\n" +
		"connection " + fmt.Sprintf("%q", conn.name) + " {\n  plugin = \"local/cloudtrailcc\"\n" +
		indent(conn.hcl().Config) + "}\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		return "", fmt.Errorf("writing the bridge's connection file: %w", err)
	}
	if err := chownToServer(path, owner); err != nil {
		_ = os.Remove(path)
		return "", err
	}
	return path, nil
}

// chownToServer gives path to the database server's OS user when this
// process is root and that user is known; otherwise it leaves it as is (the
// install's probe then tells whether the server can read it).
func chownToServer(path string, owner pgbridge.Owner) error {
	if os.Geteuid() != 0 || !owner.Known {
		return nil
	}
	if err := os.Chown(path, owner.UID, owner.GID); err != nil {
		return fmt.Errorf("handing %s to the database server's OS user: %w", path, err)
	}
	return nil
}

// indent indents every line of an HCL body by two spaces.
func indent(body string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		if line != "" {
			b.WriteString("  " + line)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// printInstalled tells what was created and how to use it.
func printInstalled(w io.Writer, inst *pgbridge.Installation, replaced bool, o *postgresOptions, program string) {
	verb := "installed"
	if replaced {
		verb = "reinstalled"
	}
	fmt.Fprintf(w, "%s %d tables in schema %s (server %s, running %s)\n", verb, len(inst.Tables), inst.Schema, inst.Server, program)
	fmt.Fprintf(w, "connection file: %s\n", inst.ConfigFile)
	db := pgbridge.Redact(o.database)
	fmt.Fprintf(w, "try: psql %q -c 'select rule_id, status, reason from %s.cloudtrailcc_finding'\n", db, inst.Schema)
	fmt.Fprintf(w, "Powerpipe: powerpipe benchmark run cloudtrailcc.benchmark.cloudtrail_best_practices --database %q --search-path-prefix %s\n", db, inst.Schema)
}
