//go:build windows

package scanrun

import (
	"os"
	"path/filepath"
)

// defaultCandidates are the places that matter on Windows: the users'
// profiles (Downloads, AppData, Outlook data files, each user's Startup
// folder are under them), the system temp directory, the all-users
// Startup folder and the scheduled tasks.
func defaultCandidates() []string {
	sysRoot := os.Getenv("SystemRoot")
	if sysRoot == "" {
		sysRoot = `C:\Windows`
	}
	users := os.Getenv("SystemDrive")
	if users == "" {
		users = "C:"
	}
	programData := os.Getenv("ProgramData")
	if programData == "" {
		programData = `C:\ProgramData`
	}
	return []string{
		filepath.Join(users+`\`, "Users"),
		filepath.Join(sysRoot, "Temp"),
		filepath.Join(sysRoot, "Tasks"),
		filepath.Join(sysRoot, "System32", "Tasks"),
		filepath.Join(programData, `Microsoft\Windows\Start Menu\Programs\StartUp`),
	}
}
