// Package ui holds the web UI built into the micromegas binary: the
// files of dist/, which `npm run build` in this folder writes from src/
// (TypeScript, Preact, Vite) and which are committed, so that `go build`
// alone makes a binary with the UI. internal/web serves them.
package ui

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// Assets returns the built files, index.html at the root.
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path: fs.Sub cannot fail
	}
	return sub
}
