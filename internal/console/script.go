package console

import (
	_ "embed"
	"net/http"
)

//go:embed static/console.js
var script []byte

// serveScript serves the console's one script.
func serveScript(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(script)
}
