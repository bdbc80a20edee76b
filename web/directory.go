package web

import (
	"context"

	"github.com/fireline-dev/fireline"
)

// Bodies of the directory routes. Client reads the same types.
type (
	peopleList struct {
		People []fireline.Person `json:"people"`
	}
	serviceList struct {
		Services []fireline.Service `json:"services"`
	}
)

type policyOutput struct {
	Body *fireline.Policy
}

func (h *handler) getPolicy(ctx context.Context, _ *struct{}) (*policyOutput, error) {
	return &policyOutput{Body: h.cfg.Policy}, nil
}

type peopleOutput struct {
	Body peopleList
}

func (h *handler) listPeople(ctx context.Context, _ *struct{}) (*peopleOutput, error) {
	return &peopleOutput{Body: peopleList{People: nonNil(h.cfg.Policy.People)}}, nil
}

type servicesOutput struct {
	Body serviceList
}

func (h *handler) listServices(ctx context.Context, _ *struct{}) (*servicesOutput, error) {
	return &servicesOutput{Body: serviceList{Services: nonNil(h.cfg.Policy.Services)}}, nil
}

type meOutput struct {
	Body fireline.Actor
}

// me returns the actor that authorize put in the context.
func (h *handler) me(ctx context.Context, _ *struct{}) (*meOutput, error) {
	actor, ok := fireline.ActorFromContext(ctx)
	if !ok {
		return nil, h.problem(ctx, fireline.Errorf(fireline.EUnauthorized, "no actor"))
	}
	return &meOutput{Body: actor}, nil
}

// nonNil makes an empty list render as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
