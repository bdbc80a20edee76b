package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/fireline-dev/fireline"
)

// Customer subscribers for administrators: import a list (confirmed: the
// organisation attests that its customers asked), list, remove. The
// public page's own form stays double opt-in (web/status_subscribe.go).

// subscriberImportBytes caps an import's body: fireline.MaxSubscriberImport
// rows of a long address and a few components.
const subscriberImportBytes = 8 << 20

type (
	subscriberImportBody struct {
		Subscribers []fireline.SubscribeInput `json:"subscribers" doc:"Each with an email and the public components to follow (none: all)."`
	}
	subscriberImportInput struct {
		jsonBody[subscriberImportBody]
	}
	subscriberImportOutput struct{ Body fireline.SubscriberImport }
	subscriberListInput    struct {
		After string `query:"after" doc:"Continue after this subscriber id (the previous page's next)."`
		Limit string `query:"limit" doc:"Page size, 1-500 (default 500)."`
	}
	subscriberList struct {
		Subscribers []*fireline.Subscriber `json:"subscribers"`
		Next        string                 `json:"next,omitempty" doc:"Pass as after for the next page; empty on the last."`
	}
	subscriberListOutput struct{ Body subscriberList }
	subscriberPath       struct {
		ID string `path:"id" doc:"The subscriber's id or email."`
	}
)

func (h *handler) subscriberRoutes() {
	imp := post("/subscribers/import", "import-subscribers", "Import customer subscribers (confirmed); a bad row imports nothing", "subscribers", 0)
	imp.MaxBodyBytes = subscriberImportBytes
	operation(h, admin, imp, h.importSubscribers)
	operation(h, admin, get("/subscribers", "list-subscribers", "List customer subscribers", "subscribers"), h.listSubscribers)
	operation(h, admin, del("/subscribers/{id}", "remove-subscriber", "Remove a customer subscriber (id or email)", "subscribers", http.StatusNoContent), h.removeSubscriber)
}

func (h *handler) subscriberAdmin(ctx context.Context) (fireline.SubscriberAdmin, error) {
	if h.cfg.SubscriberAdmin == nil {
		return nil, h.problem(ctx, fireline.Errorf(fireline.EUnavailable, "this server keeps no subscribers"))
	}
	return h.cfg.SubscriberAdmin, nil
}

func (h *handler) importSubscribers(ctx context.Context, in *subscriberImportInput) (*subscriberImportOutput, error) {
	body, err := in.decode()
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	sa, err := h.subscriberAdmin(ctx)
	if err != nil {
		return nil, err
	}
	res, err := sa.ImportSubscribers(ctx, body.Subscribers)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &subscriberImportOutput{Body: res}, nil
}

func (h *handler) listSubscribers(ctx context.Context, in *subscriberListInput) (*subscriberListOutput, error) {
	limit := fireline.MaxPageSize
	if in.Limit != "" {
		n, err := strconv.Atoi(in.Limit)
		if err != nil || n < 1 || n > fireline.MaxPageSize {
			return nil, h.problem(ctx, invalidField("limit", "must be a whole number from 1 to "+strconv.Itoa(fireline.MaxPageSize)))
		}
		limit = n
	}
	sa, err := h.subscriberAdmin(ctx)
	if err != nil {
		return nil, err
	}
	subs, err := sa.ListSubscribers(ctx, in.After, limit)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	out := subscriberList{Subscribers: subs}
	if len(subs) == limit {
		out.Next = subs[len(subs)-1].ID
	}
	if out.Subscribers == nil {
		out.Subscribers = []*fireline.Subscriber{}
	}
	return &subscriberListOutput{Body: out}, nil
}

func (h *handler) removeSubscriber(ctx context.Context, in *subscriberPath) (*struct{}, error) {
	sa, err := h.subscriberAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if err := sa.RemoveSubscriber(ctx, in.ID); err != nil {
		return nil, h.problem(ctx, err)
	}
	return &struct{}{}, nil
}
