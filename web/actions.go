package web

import (
	"context"

	"github.com/fireline-dev/fireline"
)

// Request bodies of the actions. Client sends the same types.
type (
	severityBody struct {
		Severity fireline.Severity `json:"severity" example:"P1"`
		Reason   string            `json:"reason"`
	}
	roleBody struct {
		Role   fireline.IncidentRole `json:"role" example:"incident_commander"`
		Person string                `json:"person"`
	}
	stageBody struct {
		Stage  fireline.Stage `json:"stage" example:"mitigation"`
		Reason string         `json:"reason,omitempty"`
		// Override moves a P1/P2 to resolution with required steps open.
		Override string `json:"override,omitempty" doc:"Why the incident moves to resolution with required checklist steps open; only the incident commander may (the policy's playbooks section)."`
	}
	noteBody struct {
		Kind fireline.NoteKind `json:"kind,omitempty" example:"finding" doc:"note (default), finding, decision or mitigation_step"`
		Text string            `json:"text"`
	}
	escalateBody struct {
		To   string `json:"to" example:"technical:3" doc:"Whom to page: a person of the directory (casey) or a chain step written CHAIN:N (technical:3). The page meets the escalate-by clock if it reaches the severity's required level."`
		Note string `json:"note,omitempty"`
	}
	pageBody struct {
		Person string `json:"person,omitempty" doc:"A person of the directory to page."`
		Step   *int   `json:"step,omitempty" doc:"A step of the current walk to send again, numbered as on the timeline (0 is the primary on-call). Neither: the primary on-call."`
	}
	resolveBody struct {
		Summary  string `json:"summary,omitempty"`
		Override string `json:"override,omitempty" doc:"Why the incident resolves with required checklist steps open; only the incident commander may (the policy's playbooks section)."`
	}
	reopenBody struct {
		Reason string `json:"reason"`
	}
	memberBody struct {
		Person string `json:"person"`
	}
)

// Inputs of the actions: the incident's id and the body.
type (
	severityInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[severityBody]
	}
	roleInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[roleBody]
	}
	unassignInput struct {
		ID     string                `path:"id" example:"INC-42"`
		Role   fireline.IncidentRole `path:"role" example:"sme"`
		Person string                `path:"person"`
	}
	stageInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[stageBody]
	}
	noteInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[noteBody]
	}
	updateInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[fireline.UpdatedData]
	}
	escalateInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[escalateBody]
	}
	resolveInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[resolveBody]
	}
	reopenInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[reopenBody]
	}
	memberInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[memberBody]
	}
	pageInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[pageBody]
	}
)

// act does one action and renders the incident it leaves. The handlers
// pass on their body's decoding error, which is reported instead.
func (h *handler) act(ctx context.Context, id string, a fireline.Action, decodeErr error) (*incidentOutput, error) {
	if decodeErr != nil {
		return nil, h.problem(ctx, decodeErr)
	}
	inc, err := h.cfg.Incidents.Act(ctx, id, a)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	h.changed(inc)
	return &incidentOutput{Body: inc}, nil
}

func (h *handler) acknowledge(ctx context.Context, in *incidentPath) (*incidentOutput, error) {
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActAcknowledge}, nil)
}

func (h *handler) changeSeverity(ctx context.Context, in *severityInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActChangeSeverity, Severity: b.Severity, Reason: b.Reason}, err)
}

func (h *handler) assignRole(ctx context.Context, in *roleInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActAssignRole, Role: b.Role, Person: b.Person}, err)
}

func (h *handler) unassignRole(ctx context.Context, in *unassignInput) (*incidentOutput, error) {
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActUnassignRole, Role: in.Role, Person: in.Person}, nil)
}

func (h *handler) changeStage(ctx context.Context, in *stageInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActChangeStage, Stage: b.Stage, Reason: b.Reason, Override: b.Override}, err)
}

func (h *handler) addNote(ctx context.Context, in *noteInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActAddNote, NoteKind: b.Kind, Text: b.Text}, err)
}

func (h *handler) updateIncident(ctx context.Context, in *updateInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActUpdate, Update: b}, err)
}

func (h *handler) escalate(ctx context.Context, in *escalateInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActEscalate, To: b.To, Text: b.Note}, err)
}

func (h *handler) page(ctx context.Context, in *pageInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActPage, Person: b.Person, Step: b.Step}, err)
}

func (h *handler) resolve(ctx context.Context, in *resolveInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActResolve, Text: b.Summary, Override: b.Override}, err)
}

func (h *handler) reopen(ctx context.Context, in *reopenInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActReopen, Reason: b.Reason}, err)
}

func (h *handler) addMember(ctx context.Context, in *memberInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActAddMember, Person: b.Person}, err)
}
