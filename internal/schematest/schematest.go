// Package schematest validates tracers' JSON documents against
// docs/tracers.schema.json (JSON Schema draft 2020-12) with
// github.com/santhosh-tekuri/jsonschema/v6, for tests: so that the schema
// and the output can never drift. It reads the schema file from the
// module's source tree; it is imported by tests only.
package schematest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Path is the schema's path from the module root.
const Path = "docs/tracers.schema.json"

// Schema is the compiled schema.
type Schema struct {
	s *jsonschema.Schema
	// Doc is the schema document, decoded (numbers as json.Number).
	Doc any
}

// ModuleRoot returns the directory holding go.mod, searched from the
// working directory upwards.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("schematest: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("schematest: no go.mod above the working directory")
		}
		dir = up
	}
}

// Load compiles the schema, with format assertions on (ipv4, ipv6,
// date-time are checked, not only annotated). It fails t when it cannot.
func Load(t testing.TB) *Schema {
	t.Helper()
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, Path))
	if err != nil {
		t.Fatalf("schematest: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("schematest: %s: %v", Path, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "file:///tracers.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatalf("schematest: %s: %v", Path, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("schematest: compile %s: %v", Path, err)
	}
	return &Schema{s: s, Doc: doc}
}

// Check validates one JSON document. The error lists every violation
// with its place in the document.
func (s *Schema) Check(doc []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.s.Validate(inst)
}

// Validate fails t (without stopping it) when doc, named name in the
// message, does not validate.
func (s *Schema) Validate(t testing.TB, name string, doc []byte) {
	t.Helper()
	if err := s.Check(doc); err != nil {
		t.Errorf("%s does not validate against %s:\n%v\ndocument:\n%s", name, Path, err, clip(doc))
	}
}

// clip shortens a long document for a failure message.
func clip(b []byte) []byte {
	const max = 4000
	if len(b) <= max {
		return b
	}
	return append(append([]byte{}, b[:max]...), "\n..."...)
}
