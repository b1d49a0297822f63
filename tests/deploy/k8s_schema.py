"""Kubernetes objects checked against the API's own field names and types, without a cluster: the models of
Debian's python3-kubernetes (each class lists its JSON keys and their types), walked strictly, so a misspelt or
misplaced field (which kubectl would reject or, worse, drop) and a wrong type are both reported."""
import kubernetes.client as api

# apiVersion/kind -> model. python3-kubernetes 22 (API 1.22) predates autoscaling/v2's GA (1.23); its v2beta2
# model has the same schema for the fields an HPA on resource metrics uses.
MODELS = {
    ("v1", "PersistentVolumeClaim"): "V1PersistentVolumeClaim",
    ("v1", "Service"): "V1Service",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("batch/v1", "Job"): "V1Job",
    ("policy/v1", "PodDisruptionBudget"): "V1PodDisruptionBudget",
    ("autoscaling/v2", "HorizontalPodAutoscaler"): "V2beta2HorizontalPodAutoscaler",
}
# Resource quantities are strings in the models, but the API also takes plain numbers there.
QUANTITY_MAPS = ("requests", "limits", "capacity")


def problems(obj):
    """Every unknown field and wrongly typed value of a Kubernetes object, as 'path: problem' strings."""
    model = MODELS.get((obj.get("apiVersion"), obj.get("kind")))
    if model is None:
        return [f"apiVersion {obj.get('apiVersion')} kind {obj.get('kind')}: not a kind this test knows"]
    found = []
    _walk(obj, model, obj["kind"], found)
    return found


def field_problems(value, type_name, path):
    """The same for one field's value of a model type, e.g. an HPA's metrics: 'list[V2beta2MetricSpec]'."""
    found = []
    _walk(value, type_name, path, found)
    return found


def _walk(value, type_name, path, found):
    if type_name.startswith("list["):
        if not isinstance(value, list):
            found.append(f"{path}: expected a list")
            return
        for i, item in enumerate(value):
            _walk(item, type_name[5:-1], f"{path}[{i}]", found)
    elif type_name.startswith("dict("):
        if not isinstance(value, dict):
            found.append(f"{path}: expected a mapping")
            return
        inner = type_name[5:-1].split(", ", 1)[1]
        quantity = path.rsplit(".", 1)[-1] in QUANTITY_MAPS
        for key, item in value.items():
            if quantity and isinstance(item, (int, float)) and not isinstance(item, bool):
                continue
            _walk(item, inner, f"{path}.{key}", found)
    elif type_name in ("str", "datetime"):
        if not isinstance(value, str):
            found.append(f"{path}: expected a string, got {value!r}")
    elif type_name == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            found.append(f"{path}: expected an integer, got {value!r}")
    elif type_name == "bool":
        if not isinstance(value, bool):
            found.append(f"{path}: expected true or false, got {value!r}")
    elif type_name == "float":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            found.append(f"{path}: expected a number, got {value!r}")
    elif type_name == "object":
        pass  # int-or-string and free-form fields
    else:
        cls = getattr(api, type_name)
        if not isinstance(value, dict):
            found.append(f"{path}: expected a {type_name} mapping")
            return
        by_key = {json_key: attr for attr, json_key in cls.attribute_map.items()}
        for key, item in value.items():
            if key not in by_key:
                found.append(f"{path}.{key}: no such field in {type_name}")
            else:
                _walk(item, cls.openapi_types[by_key[key]], f"{path}.{key}", found)
