package report

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"unicode/utf8"
)

// JSONL writes one JSON object per line. Every line has a "record" key
// telling what it is, and "schema" (SchemaVersion):
//
//   - "finding": a Finding, with its subject's path repeated at top level
//     as "path" (container levels joined with "!"), so a consumer needs no
//     knowledge of the nesting to tell where it is ("path_base64" holds
//     the exact bytes of a path that is not valid UTF-8);
//   - "problem": {"record","schema","path","error"}: something that could not be
//     examined;
//   - "summary": the Summary, last.
type JSONL struct {
	enc *json.Encoder
}

var _ Writer = (*JSONL)(nil)

// NewJSONL returns a JSON-lines writer.
func NewJSONL(w io.Writer) *JSONL {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &JSONL{enc: enc}
}

type jsonFinding struct {
	Record string `json:"record"`
	Path   string `json:"path,omitempty"`
	// PathBase64 is the path's bytes in standard base64, only when the
	// path is not valid UTF-8 (JSON would replace the odd bytes).
	PathBase64 string `json:"path_base64,omitempty"`
	*Finding
}

type jsonProblem struct {
	Record string `json:"record"`
	Schema int    `json:"schema"`
	Path   string `json:"path"`
	Error  string `json:"error"`
}

type jsonSummary struct {
	Record string `json:"record"`
	Schema int    `json:"schema"`
	Summary
}

func (j *JSONL) Write(f *Finding) error {
	jf := jsonFinding{Record: "finding", Path: f.Subject.Path, Finding: f}
	if !utf8.ValidString(f.Subject.Path) {
		jf.PathBase64 = base64.StdEncoding.EncodeToString([]byte(f.Subject.Path))
	}
	return j.enc.Encode(jf)
}

func (j *JSONL) Problem(subject string, err error) error {
	return j.enc.Encode(jsonProblem{Record: "problem", Schema: SchemaVersion, Path: subject, Error: err.Error()})
}

func (j *JSONL) Close(sum Summary) error {
	return j.enc.Encode(jsonSummary{Record: "summary", Schema: SchemaVersion, Summary: sum})
}
