package web

import (
	"context"

	"github.com/fireline-dev/fireline"
)

// createdUser is a new user with a one-time login link: the path to open
// on the server (the CLI prefixes its --server) and when it expires.
type createdUser struct {
	User      *fireline.User     `json:"user"`
	LoginLink fireline.LoginLink `json:"login_link"`
	LoginPath string             `json:"login_path" doc:"Open this path on the server to log in once; then set a password."`
}

// userList is the body of GET /api/v1/users.
type userList struct {
	Users []*fireline.User `json:"users"`
}

type (
	userInput struct {
		jsonBody[fireline.UserInput]
	}
	userRoleBody struct {
		Role fireline.Role `json:"role" example:"responder"`
	}
	userRoleInput struct {
		ID string `path:"id" doc:"The user's id or email."`
		jsonBody[userRoleBody]
	}
	userPersonBody struct {
		Person string `json:"person" example:"alex" doc:"A person id of the policy's directory."`
	}
	userPersonInput struct {
		ID string `path:"id" doc:"The user's id or email."`
		jsonBody[userPersonBody]
	}
	userPath struct {
		ID string `path:"id" doc:"The user's id or email."`
	}
	createdUserOutput struct{ Body createdUser }
	usersOutput       struct{ Body userList }
	userOutput        struct{ Body *fireline.User }
	loginLinkOutput   struct{ Body createdUser }
)

// users returns the user service, or 503 when the server has none.
func (h *handler) users(ctx context.Context) (fireline.UserService, error) {
	if h.cfg.Users == nil {
		return nil, h.problem(ctx, fireline.Errorf(fireline.EUnavailable, "this server has no user store"))
	}
	return h.cfg.Users, nil
}

func (h *handler) createUser(ctx context.Context, in *userInput) (*createdUserOutput, error) {
	body, err := in.decode()
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	us, err := h.users(ctx)
	if err != nil {
		return nil, err
	}
	u, link, err := us.CreateUser(ctx, body)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &createdUserOutput{Body: createdUser{User: u, LoginLink: link, LoginPath: link.Path()}}, nil
}

func (h *handler) listUsers(ctx context.Context, _ *struct{}) (*usersOutput, error) {
	us, err := h.users(ctx)
	if err != nil {
		return nil, err
	}
	users, err := us.ListUsers(ctx)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &usersOutput{Body: userList{Users: nonNil(users)}}, nil
}

func (h *handler) setUserRole(ctx context.Context, in *userRoleInput) (*userOutput, error) {
	body, err := in.decode()
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	us, err := h.users(ctx)
	if err != nil {
		return nil, err
	}
	u, err := us.SetUserRole(ctx, in.ID, body.Role)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &userOutput{Body: u}, nil
}

func (h *handler) setUserPerson(ctx context.Context, in *userPersonInput) (*userOutput, error) {
	body, err := in.decode()
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	us, err := h.users(ctx)
	if err != nil {
		return nil, err
	}
	u, err := us.SetUserPerson(ctx, in.ID, body.Person)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &userOutput{Body: u}, nil
}

func (h *handler) disableUser(ctx context.Context, in *userPath) (*userOutput, error) {
	us, err := h.users(ctx)
	if err != nil {
		return nil, err
	}
	u, err := us.DisableUser(ctx, in.ID)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &userOutput{Body: u}, nil
}

func (h *handler) createLoginLink(ctx context.Context, in *userPath) (*loginLinkOutput, error) {
	us, err := h.users(ctx)
	if err != nil {
		return nil, err
	}
	link, err := us.CreateLoginLink(ctx, in.ID)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &loginLinkOutput{Body: createdUser{LoginLink: link, LoginPath: link.Path()}}, nil
}
