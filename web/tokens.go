package web

import (
	"context"

	"github.com/fireline-dev/fireline"
)

// createdToken is a new token with its secret, which is shown only here.
type createdToken struct {
	Secret string `json:"token" doc:"The token's secret. It is shown only once; store it now."`
	fireline.Token
}

// tokenList is the body of GET /api/v1/tokens.
type tokenList struct {
	Tokens []*fireline.Token `json:"tokens"`
}

type tokenInput struct {
	jsonBody[fireline.TokenInput]
}

type createdTokenOutput struct {
	Body createdToken
}

func (h *handler) createToken(ctx context.Context, in *tokenInput) (*createdTokenOutput, error) {
	body, err := in.decode()
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	tok, secret, err := h.cfg.Tokens.CreateToken(ctx, body)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &createdTokenOutput{Body: createdToken{Secret: secret, Token: *tok}}, nil
}

type tokensOutput struct {
	Body tokenList
}

func (h *handler) listTokens(ctx context.Context, _ *struct{}) (*tokensOutput, error) {
	toks, err := h.cfg.Tokens.ListTokens(ctx)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &tokensOutput{Body: tokenList{Tokens: nonNil(toks)}}, nil
}

type tokenPath struct {
	ID string `path:"id" doc:"The token's id."`
}

func (h *handler) revokeToken(ctx context.Context, in *tokenPath) (*struct{}, error) {
	if err := h.cfg.Tokens.RevokeToken(ctx, in.ID); err != nil {
		return nil, h.problem(ctx, err)
	}
	return &struct{}{}, nil
}
