//go:build darwin

package scanrun

// defaultCandidates are the places that matter on macOS: the users' homes
// (Downloads, Mail, LaunchAgents are under them), temporary directories,
// and the system's launch agents, daemons and startup items.
func defaultCandidates() []string {
	return []string{
		"/Users", "/private/tmp", "/private/var/tmp", "/private/var/folders",
		"/Library/LaunchAgents", "/Library/LaunchDaemons", "/Library/StartupItems",
		"/Library/Application Support", "/var/root",
	}
}
