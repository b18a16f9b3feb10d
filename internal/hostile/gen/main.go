// Command gen writes the hostile-input corpus of torch/pt (package
// internal/hostile) to a folder, with a corpus.json manifest saying what
// each file is and what a correct loader does with it.
//
// Usage:
//
//	go run ./internal/hostile/gen [-scale seed|test|full] [-run REGEXP] DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"

	"github.com/torchgo/torchgo/internal/hostile"
)

func main() {
	scale := flag.String("scale", "full", "sizes of the files: seed, test or full (those of issue 16)")
	run := flag.String("run", "", "write only the cases whose name matches this regular expression")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: gen [-scale seed|test|full] [-run REGEXP] DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	s, err := hostile.ParseScale(*scale)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
	re, err := regexp.Compile(*run)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen: -run:", err)
		os.Exit(2)
	}
	cases, err := hostile.Write(flag.Arg(0), s, func(c hostile.Case) bool { return re.MatchString(c.Name) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d files to %s\n", len(cases), flag.Arg(0))
}
