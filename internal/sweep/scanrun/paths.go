package scanrun

import "os"

// DefaultPaths are the places `vigie scan` looks at when given no path,
// those that exist on this host.
func DefaultPaths() []string {
	var out []string
	for _, p := range defaultCandidates() {
		if _, err := os.Lstat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}
