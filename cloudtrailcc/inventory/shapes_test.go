package inventory

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// sdkServiceIDs are the SDK service ids of the service packages the
// plugin may call, by package path.
var sdkServiceIDs = map[string]string{
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail":    cloudtrail.ServiceID,
	"github.com/aws/aws-sdk-go-v2/service/ec2":           ec2.ServiceID,
	"github.com/aws/aws-sdk-go-v2/service/kms":           kms.ServiceID,
	"github.com/aws/aws-sdk-go-v2/service/organizations": organizations.ServiceID,
	"github.com/aws/aws-sdk-go-v2/service/s3":            s3.ServiceID,
	"github.com/aws/aws-sdk-go-v2/service/s3control":     s3control.ServiceID,
	"github.com/aws/aws-sdk-go-v2/service/sns":           sns.ServiceID,
	"github.com/aws/aws-sdk-go-v2/service/sts":           sts.ServiceID,
}

// calledActions returns the IAM action of every AWS operation the
// plugin's code (the non-test Go files under dir) calls: each call takes
// an OPERATIONInput value of its service package, so the inputs built are
// the operations called. An SDK service package not in sdkServiceIDs is an
// error: its calls could not be named.
func calledActions(t *testing.T, dir string) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		services := map[string]string{} // local package name -> service id
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			rest, ok := strings.CutPrefix(p, "github.com/aws/aws-sdk-go-v2/service/")
			if !ok || strings.Contains(rest, "/") {
				continue
			}
			id, ok := sdkServiceIDs[p]
			if !ok {
				t.Errorf("%s imports %s, which sdkServiceIDs does not name: add it so its calls are checked", path, p)
				continue
			}
			name := rest
			if imp.Name != nil {
				name = imp.Name.Name
			}
			services[name] = id
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			sel, ok := lit.Type.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			if id, ok := services[pkg.Name]; ok {
				if op, ok := strings.CutSuffix(sel.Sel.Name, "Input"); ok {
					action := iamAction(id, op)
					found[action] = append(found[action], fset.Position(lit.Pos()).String())
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestEveryCalledOperationHasADeclaredShape reads the plugin's source for
// the AWS operations it calls and checks that each has a declared reply
// shape, that no shape is left for an operation no longer called, and
// that the inventory's documented actions are the ones it calls: the next
// new call cannot go unchecked.
func TestEveryCalledOperationHasADeclaredShape(t *testing.T) {
	root, err := filepath.Abs("..") // the plugin's packages: cloudtrailcc/...
	if err != nil {
		t.Fatal(err)
	}
	called := calledActions(t, root)
	for _, a := range []string{"sts:GetCallerIdentity", "s3:GetBucketAcl", "sts:AssumeRole", "organizations:ListAccounts"} {
		if called[a] == nil {
			t.Fatalf("the source scan found no call of %s: it finds nothing (found %v)", a, slices.Sorted(maps.Keys(called)))
		}
	}
	for _, a := range slices.Sorted(maps.Keys(called)) {
		if _, ok := replyShapes[a]; !ok {
			t.Errorf("%s is called (%s) without a declared reply shape in replyShapes", a, strings.Join(called[a], ", "))
		}
	}
	for _, a := range slices.Sorted(maps.Keys(replyShapes)) {
		if called[a] == nil {
			t.Errorf("replyShapes declares %s, which nothing calls", a)
		}
	}
	own, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(calledActions(t, own))); !slices.Equal(got, IAMActions()) {
		t.Errorf("the inventory calls %v, its IAMActions are %v", got, IAMActions())
	}
}

// TestEveryShapeIsDocumented checks that docs/replies.md has a row for
// every operation with a declared shape.
func TestEveryShapeIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "replies.md"))
	if err != nil {
		t.Fatal(err)
	}
	for a := range replyShapes {
		if !strings.Contains(string(doc), "| `"+a+"` |") {
			t.Errorf("docs/replies.md has no row for %s", a)
		}
	}
}
