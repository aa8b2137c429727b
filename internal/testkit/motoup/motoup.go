// Package motoup starts moto (an independent AWS-compatible server) for a
// test, with the start script shared/moto/up.sh beside the checkout: a
// second witness beside cloudtrailcc's own emulator.
package motoup

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ScriptVar names the start script (Makefile's MOTO_UP); without it the
// script is ../shared/moto/up.sh beside the module's root.
const ScriptVar = "MOTO_UP"

// URLVar names the base URL of a moto server already running, used instead
// of starting one.
const URLVar = "CLOUDTRAILCC_MOTO_URL"

// ErrNoMoto says neither a running moto nor its start script was found.
var ErrNoMoto = errors.New("no moto: set " + URLVar + " to a running server or " + ScriptVar + " to shared/moto/up.sh")

// Script returns the moto start script: $MOTO_UP, else
// ../shared/moto/up.sh beside the root of the module holding dir; "" when
// there is none.
func Script(dir string) string {
	if s := os.Getenv(ScriptVar); s != "" {
		return s
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			s := filepath.Join(filepath.Dir(d), "shared", "moto", "up.sh")
			if _, err := os.Stat(s); err == nil {
				return s
			}
			return ""
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// Start returns the base URL of a moto server and how to stop it: the one
// CLOUDTRAILCC_MOTO_URL names (stop does nothing), or one the start script
// (Script of the working directory) starts on a free loopback port.
func Start(ctx context.Context) (url string, stop func(), err error) {
	if u := os.Getenv(URLVar); u != "" {
		return u, func() {}, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", nil, err
	}
	script := Script(wd)
	if script == "" {
		return "", nil, ErrNoMoto
	}
	return run(ctx, script)
}

// run starts moto with script, which prints MOTO_URL, MOTO_PID and MOTO_DIR.
func run(ctx context.Context, script string) (string, func(), error) {
	abs, err := filepath.Abs(script)
	if err != nil {
		return "", nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", nil, err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o022 != 0 {
		return "", nil, fmt.Errorf("%s must be a regular file writable by its owner only (mode %s)", abs, fi.Mode())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", abs, strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", nil, fmt.Errorf("%s %d: %w: %s", abs, port, err, strings.TrimSpace(stderr.String()))
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.HasPrefix(k, "MOTO_") {
			vars[k] = v
		}
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	pid, err := strconv.Atoi(vars["MOTO_PID"])
	if err != nil || pid <= 1 || vars["MOTO_URL"] != url {
		return "", nil, fmt.Errorf("%s printed no usable MOTO_URL and MOTO_PID: %q", abs, stdout.String())
	}
	dir := vars["MOTO_DIR"]
	return url, func() {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		if dir != "" && strings.HasPrefix(filepath.Base(dir), "moto.") {
			_ = os.RemoveAll(dir)
		}
	}, nil
}
