# Condenses `go build -v` output for a person watching a first build: the
# "go: downloading" lines and the compiled package names become a progress
# line every 50; everything else (compiler errors) is printed as it comes.
/^go: downloading / { d++; if (d % 50 == 0) printf "  ... %d modules downloaded\n", d; fflush(); next }
/^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~+-]+)*$/ { p++; if (p % 50 == 0) printf "  ... %d packages compiled\n", p; fflush(); next }
{ print; fflush() }
END { if (d + p > 0) printf "  done: %d modules downloaded, %d packages compiled\n", d, p }
