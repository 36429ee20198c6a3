package docmeta

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
)

// Expand turns the paths given by a user into the list of files to read:
// files as given, directories walked (sorted, symbolic links not followed).
// A path that cannot be read gives an error Result instead of stopping.
func Expand(paths []string) (files []string, bad []Result) {
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			bad = append(bad, Result{Meta: &Meta{Source: p, Kind: KindUnknown}, Err: err})
			continue
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				bad = append(bad, Result{Meta: &Meta{Source: path, Kind: KindUnknown}, Err: err})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			bad = append(bad, Result{Meta: &Meta{Source: p, Kind: KindUnknown}, Err: fmt.Errorf("walking %s: %w", p, err)})
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, bad
}

// ReadFiles reads every file with these limits, a few at a time, and
// returns the results in the order of files. One bad file never stops the
// others: its Result carries the error.
func (l Limits) ReadFiles(files []string) []Result {
	out := make([]Result, len(files))
	workers := min(runtime.GOMAXPROCS(0), 8)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				m, err := l.Read(files[i])
				out[i] = Result{Meta: m, Err: err}
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}
