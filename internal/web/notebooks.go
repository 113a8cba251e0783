package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/micromegas-go/micromegas/internal/catalog"
)

// notebookJSON is a notebook on the wire. Content is the JSON document as
// it was saved.
type notebookJSON struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Content   json.RawMessage `json:"content,omitempty"`
	Revision  int64           `json:"revision"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

func toJSON(nb catalog.Notebook) notebookJSON {
	out := notebookJSON{ID: nb.ID, Name: nb.Name, Revision: nb.Revision, CreatedAt: nb.CreatedAt, UpdatedAt: nb.UpdatedAt}
	if nb.Content != "" {
		out.Content = json.RawMessage(nb.Content)
	}
	return out
}

// notebookRoutes adds the notebook API:
//
//	GET    /api/notebooks       the list (no content), most recent first
//	POST   /api/notebooks       {"name", "content"} → 201 and the notebook
//	GET    /api/notebooks/{id}  one notebook
//	PUT    /api/notebooks/{id}  {"name", "content", "revision"} → the notebook
//	                            at its next revision; 409 when revision is
//	                            not the stored one (someone else saved)
//	DELETE /api/notebooks/{id}  204
func (s *Server) notebookRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/notebooks", s.listNotebooks)
	mux.HandleFunc("POST /api/notebooks", s.createNotebook)
	mux.HandleFunc("GET /api/notebooks/{id}", s.getNotebook)
	mux.HandleFunc("PUT /api/notebooks/{id}", s.saveNotebook)
	mux.HandleFunc("DELETE /api/notebooks/{id}", s.deleteNotebook)
}

// notebooks returns the store, or answers 501 when the server has none.
func (s *Server) notebooks(w http.ResponseWriter) catalog.NotebookStore {
	if s.opts.Notebooks == nil {
		writeJSONError(w, http.StatusNotImplemented, "this server keeps no notebooks (web.Options.Notebooks is not set)")
	}
	return s.opts.Notebooks
}

func (s *Server) listNotebooks(w http.ResponseWriter, r *http.Request) {
	store := s.notebooks(w)
	if store == nil {
		return
	}
	list, err := store.ListNotebooks(r.Context())
	if err != nil {
		s.notebookError(w, r, err)
		return
	}
	out := make([]notebookJSON, len(list))
	for i, nb := range list {
		out[i] = toJSON(nb)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getNotebook(w http.ResponseWriter, r *http.Request) {
	store := s.notebooks(w)
	if store == nil {
		return
	}
	nb, err := store.GetNotebook(r.Context(), r.PathValue("id"))
	if err != nil {
		s.notebookError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(nb))
}

func (s *Server) createNotebook(w http.ResponseWriter, r *http.Request) {
	s.putNotebook(w, r, uuid.NewString(), true)
}

func (s *Server) saveNotebook(w http.ResponseWriter, r *http.Request) {
	s.putNotebook(w, r, r.PathValue("id"), false)
}

// putNotebook reads a notebook from the body and saves it under id.
func (s *Server) putNotebook(w http.ResponseWriter, r *http.Request, id string, create bool) {
	store := s.notebooks(w)
	if store == nil {
		return
	}
	var req notebookJSON
	body := http.MaxBytesReader(w, r.Body, catalog.MaxNotebookBytes+64<<10)
	if err := json.NewDecoder(body).Decode(&req); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeJSONError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("notebook larger than %d bytes: split it in two", catalog.MaxNotebookBytes))
			return
		}
		writeJSONError(w, http.StatusBadRequest, `the body must be a JSON object such as {"name": "latency", "content": {"cells": []}, "revision": 3}: `+err.Error())
		return
	}
	if len(req.Content) == 0 {
		req.Content = json.RawMessage("{}")
	}
	nb := catalog.Notebook{ID: id, Name: req.Name, Content: string(req.Content), Revision: req.Revision}
	if create {
		nb.Revision = 0
	} else if nb.Revision <= 0 {
		writeJSONError(w, http.StatusBadRequest, "revision is required: send the revision you read, so that a newer save is not overwritten")
		return
	}
	saved, err := store.SaveNotebook(r.Context(), nb)
	if err != nil {
		s.notebookError(w, r, err)
		return
	}
	status := http.StatusOK
	if create {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/notebooks/"+saved.ID)
	}
	writeJSON(w, status, toJSON(saved))
}

func (s *Server) deleteNotebook(w http.ResponseWriter, r *http.Request) {
	store := s.notebooks(w)
	if store == nil {
		return
	}
	if err := store.DeleteNotebook(r.Context(), r.PathValue("id")); err != nil {
		s.notebookError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// notebookError answers a store error with its status.
func (s *Server) notebookError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "notebook store failed: "+err.Error()
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		status, msg = http.StatusNotFound, "no such notebook: it may have been deleted"
	case errors.Is(err, catalog.ErrStale):
		status, msg = http.StatusConflict, "this notebook was saved by someone else since you opened it: reload it, then apply your change again"
	case errors.Is(err, catalog.ErrInvalidID), errors.Is(err, catalog.ErrInvalidNotebook):
		status, msg = http.StatusBadRequest, err.Error()
	case errors.Is(err, catalog.ErrUnavailable):
		status, msg = http.StatusServiceUnavailable, "the catalog is unavailable; try again shortly"
	}
	s.log.Info("notebook request", "method", r.Method, "path", r.URL.Path, "status", status, "error", err)
	writeJSONError(w, status, msg)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
