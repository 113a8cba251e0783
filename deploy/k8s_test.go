// Package deploy holds the deployment files of Micromegas (the
// Kubernetes manifests in k8s/); its test checks them.
package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// manifest is the part of a Kubernetes object the test reads.
type manifest struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Resources []string `yaml:"resources"`
	Spec      struct {
		Replicas *int `yaml:"replicas"`
		Strategy struct {
			Type string `yaml:"type"`
		} `yaml:"strategy"`
		Template struct {
			Spec struct {
				Containers []struct {
					Image string `yaml:"image"`
					Env   []struct {
						Name, Value string
					} `yaml:"env"`
					EnvFrom []envSource `yaml:"envFrom"`
					Ports   []struct {
						Name          string `yaml:"name"`
						ContainerPort int    `yaml:"containerPort"`
					} `yaml:"ports"`
					ReadinessProbe probe `yaml:"readinessProbe"`
					LivenessProbe  probe `yaml:"livenessProbe"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// envSource is one entry of a container's envFrom.
type envSource struct {
	SecretRef struct {
		Name string `yaml:"name"`
	} `yaml:"secretRef"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

func readManifests(t *testing.T, path string) []manifest {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []manifest
	for {
		var m manifest
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
}

// TestManifests parses every manifest and checks the topology of
// docs/operations.md: one Deployment per role with its role set, probes
// on /ready and /health of a declared port, the daemon as a single
// replica replaced by Recreate, and every file listed by kustomization.
func TestManifests(t *testing.T) {
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifest in k8s/: %v", err)
	}
	roles := map[string]manifest{}
	var listed []string
	for _, f := range files {
		for _, m := range readManifests(t, f) {
			if m.APIVersion == "" || m.Kind == "" {
				t.Errorf("%s: an object without apiVersion or kind", f)
			}
			switch m.Kind {
			case "Kustomization":
				listed = m.Resources
			case "Deployment":
				c := m.Spec.Template.Spec.Containers
				if len(c) != 1 || c[0].Image == "" {
					t.Fatalf("%s: want one container with an image", f)
				}
				role := ""
				for _, e := range c[0].Env {
					if e.Name == "MICROMEGAS_ROLES" {
						role = e.Value
					}
				}
				if role == "" {
					t.Errorf("%s: Deployment %s sets no MICROMEGAS_ROLES", f, m.Metadata.Name)
				}
				roles[role] = m
				// serve refuses to listen beyond loopback without
				// authentication: the roles with listeners take its settings.
				if role != "maintenance" && !slices.ContainsFunc(c[0].EnvFrom, func(e envSource) bool {
					return e.SecretRef.Name == "micromegas-auth"
				}) {
					t.Errorf("%s: the %s role listens beyond loopback but takes no micromegas-auth Secret", f, role)
				}
				var ports []string
				for _, p := range c[0].Ports {
					ports = append(ports, p.Name)
				}
				for _, pr := range []struct {
					p    probe
					path string
				}{{c[0].ReadinessProbe, "/ready"}, {c[0].LivenessProbe, "/health"}} {
					if pr.p.HTTPGet.Path != pr.path || !slices.Contains(ports, pr.p.HTTPGet.Port) {
						t.Errorf("%s: probe %+v, want %s on a declared port %v", f, pr.p.HTTPGet, pr.path, ports)
					}
				}
			}
		}
	}
	for _, role := range []string{"ingestion", "analytics", "maintenance"} {
		if _, ok := roles[role]; !ok {
			t.Errorf("no Deployment runs the %s role", role)
		}
	}
	if d := roles["maintenance"]; d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != "Recreate" {
		t.Errorf("the maintenance daemon: replicas %v, strategy %q; want a single replica with Recreate", d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(listed, base) {
			t.Errorf("%s is not listed in kustomization.yaml", base)
		}
	}
}
