package console

// addUserRoutes adds the routes of this screen.
func (h *Handler) addUserRoutes(r router) {}
