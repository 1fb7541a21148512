package console

// relationshipRoutes adds the routes of this screen.
func (h *Handler) relationshipRoutes(r router) {}
