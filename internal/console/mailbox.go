package console

// mailboxRoutes adds the routes of this screen.
func (h *Handler) mailboxRoutes(r router) {}
