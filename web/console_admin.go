package web

import (
	"net/http"

	"github.com/fireline-dev/fireline"
)

// usersData is the user administration page; Link is a login link just
// issued, shown once.
type usersData struct {
	Users []*fireline.User
	Roles []fireline.Role
	Link  string
	For   string
}

func (h *handler) usersPage(w http.ResponseWriter, r *http.Request) {
	h.showUsers(w, r, http.StatusOK, nil, usersData{})
}

func (h *handler) showUsers(w http.ResponseWriter, r *http.Request, status int, fe *formError, d usersData) {
	if h.cfg.Users == nil {
		h.renderError(w, r, fireline.Errorf(fireline.EUnavailable, "the console has no user store"))
		return
	}
	users, err := h.cfg.Users.ListUsers(r.Context())
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	d.Users, d.Roles = users, []fireline.Role{fireline.RoleViewer, fireline.RoleResponder, fireline.RoleAdmin}
	h.render(w, r, status, "users", &page{Title: "Users", Nav: "users", Error: fe, Data: d})
}

// formCreateUser creates a user and shows their one-time login link.
func (h *handler) formCreateUser(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := r.PostForm
	u, link, err := h.cfg.Users.CreateUser(r.Context(), fireline.UserInput{Email: f.Get("email"), Name: f.Get("name"),
		Role: fireline.Role(f.Get("role")), PersonID: f.Get("person")})
	if err != nil {
		h.showUsers(w, r, statusFor(err), newFormError("create", err, r), usersData{})
		return
	}
	h.showUsers(w, r, http.StatusCreated, nil, usersData{Link: baseURL(r) + link.Path(), For: u.Email})
}

func (h *handler) formSetUserRole(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if _, err := h.cfg.Users.SetUserRole(r.Context(), r.PathValue("id"), fireline.Role(r.PostForm.Get("role"))); err != nil {
		h.showUsers(w, r, statusFor(err), newFormError("user-"+r.PathValue("id"), err, r), usersData{})
		return
	}
	seeOther(w, r, "/admin/users")
}

func (h *handler) formSetUserPerson(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if _, err := h.cfg.Users.SetUserPerson(r.Context(), r.PathValue("id"), r.PostForm.Get("person")); err != nil {
		h.showUsers(w, r, statusFor(err), newFormError("user-"+r.PathValue("id"), err, r), usersData{})
		return
	}
	seeOther(w, r, "/admin/users")
}

func (h *handler) formDisableUser(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if _, err := h.cfg.Users.DisableUser(r.Context(), r.PathValue("id")); err != nil {
		h.showUsers(w, r, statusFor(err), newFormError("user-"+r.PathValue("id"), err, r), usersData{})
		return
	}
	seeOther(w, r, "/admin/users")
}

// baseURL is the scheme and host the request came to.
func baseURL(r *http.Request) string {
	scheme := "http"
	if secureRequest(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
