package bench

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// runWatched runs cmd and returns the peak resident memory of its program
// in KiB: the largest VmHWM that /proc shows for it while it runs, read
// every 10 ms.
//
// The operating system's own accounting (the Maxrss of the finished
// process) cannot be used here: Go starts children with vfork, so the
// child's counter starts at the parent's peak, and the benchmark's own
// process has by then read most of the database through its memory map.
// VmHWM belongs to the memory of the program the child runs, which starts
// afresh at exec.
func runWatched(cmd *exec.Cmd) (int64, error) {
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan struct{})
	peak := make(chan int64, 1)
	go func() {
		var max int64
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if kib := vmHWM(cmd.Process.Pid); kib > max {
				max = kib
			}
			select {
			case <-done:
				peak <- max
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	return <-peak, err
}

// vmHWM reads the VmHWM of a process in KiB (0 when it cannot be read).
func vmHWM(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
