package account

import "net/http"

// questionData is what the security question form shows.
type questionData struct {
	HasQuestion bool
	Emulated    bool
}

var questionFields = map[string]fieldRef{
	"current_password": {ID: "current_password", Label: "Your password"},
	"question":         {ID: "question", Label: "The question"},
	"answer":           {ID: "answer", Label: "The answer"},
}

// questionForm shows the form to set one's security question. It exists
// only where the organization uses security questions.
func (h *Handler) questionForm(w http.ResponseWriter, r *http.Request) {
	h.showQuestion(w, r, http.StatusOK, &page{Title: "Security question"})
}

func (h *Handler) showQuestion(w http.ResponseWriter, r *http.Request, status int, p *page) {
	st := StateFrom(r.Context())
	if !st.Org.Policy.SecurityQuestions {
		h.errorPage(w, r, http.StatusNotFound, "Not found", "Your organization does not use security questions.")
		return
	}
	p.Data = questionData{HasQuestion: st.User.HasSecurityAnswer, Emulated: st.Target != nil}
	h.render(w, r, status, "question", p)
}

// setQuestion stores the question and its answer after checking the
// password.
func (h *Handler) setQuestion(w http.ResponseWriter, r *http.Request) {
	st := StateFrom(r.Context())
	err := h.svc.SetSecurityQuestion(r.Context(), st, r.PostFormValue("current_password"),
		r.PostFormValue("question"), r.PostFormValue("answer"))
	if err != nil {
		p := &page{Title: "Security question"}
		status := p.explain(err, questionFields)
		if status == 0 {
			h.serverError(w, r, err)
			return
		}
		p.keep(r, "question")
		h.showQuestion(w, r, status, p)
		return
	}
	seeOther(w, r, "/account?done=question")
}
