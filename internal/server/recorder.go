package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// responseRecorder wraps a ResponseWriter to remember the status and count
// the body bytes. Unwrap lets http.ResponseController reach the connection's
// own features (deadlines, full duplex); Flush, Hijack and ReadFrom are
// passed on for code that asserts those interfaces.
type responseRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (rw *responseRecorder) WriteHeader(code int) {
	// Informational responses (103 Early Hints) may precede the real one;
	// 101 Switching Protocols is final.
	if !rw.wroteHeader && (code >= 200 || code == http.StatusSwitchingProtocols) {
		rw.status = code
		rw.wroteHeader = true
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *responseRecorder) Write(p []byte) (int, error) {
	if !rw.wroteHeader {
		rw.status = http.StatusOK
		rw.wroteHeader = true
	}
	n, err := rw.ResponseWriter.Write(p)
	rw.bytes += int64(n)
	return n, err
}

// ReadFrom keeps io.Copy's fast paths (sendfile) working through the wrapper.
func (rw *responseRecorder) ReadFrom(src io.Reader) (int64, error) {
	if !rw.wroteHeader {
		rw.status = http.StatusOK
		rw.wroteHeader = true
	}
	n, err := io.Copy(rw.ResponseWriter, src)
	rw.bytes += n
	return n, err
}

func (rw *responseRecorder) Flush() {
	if !rw.wroteHeader {
		rw.status = http.StatusOK
		rw.wroteHeader = true
	}
	_ = http.NewResponseController(rw.ResponseWriter).Flush()
}

func (rw *responseRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(rw.ResponseWriter).Hijack()
}

func (rw *responseRecorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }
