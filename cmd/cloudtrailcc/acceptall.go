package main

import (
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/exceptions"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
)

// warnAcceptAll prints one "warning: " line on w for each unexpired entry
// of the connection's exceptions file that accepts every alarm (allow_all),
// so that every run that reads AWS says so. A file that cannot be read
// prints nothing here: the plugin refuses the connection with the reason.
func warnAcceptAll(w io.Writer, conn inproc.Connection) {
	f, diags := hclsyntax.ParseConfig([]byte(conn.Config), "connection", hcl.InitialPos)
	if diags.HasErrors() {
		return
	}
	a, ok := f.Body.(*hclsyntax.Body).Attributes["exceptions_file"]
	if !ok {
		return
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || v.IsNull() || v.Type() != cty.String || v.AsString() == "" {
		return
	}
	l, err := exceptions.Load(v.AsString(), time.Now())
	if err != nil {
		return
	}
	for _, line := range l.Warnings(time.Now()) {
		fmt.Fprintln(w, "warning: "+line)
	}
}
