"""The Python peer of cmd/serve for scripts/bench-serve.sh: FastAPI +
uvicorn serving the same model from the same state dict file, with torch,
the way FastAPI's documentation suggests for a model: load it once at
startup (an "startup" event: Debian's FastAPI 0.92 predates lifespan
handlers) and run the blocking inference in a plain `def` path operation,
which FastAPI runs in its thread pool. One uvicorn process, access log off
(the Go side logs no request either). The answer is the same JSON as
serve.Classifier's: {"class": k, "probabilities": [...]}.

    python3 serve_fastapi.py --arch seed-net --weights net.pt --port 8081
"""
import argparse
import io
import os
import sys

import torch
import torchvision
import uvicorn
from fastapi import Body, FastAPI, HTTPException
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from seednet import Net  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--arch", choices=["seed-net", "resnet18"], required=True)
parser.add_argument("--weights", required=True)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=8081)
args = parser.parse_args()

app = FastAPI()
ml = {}

if args.arch == "seed-net":
    SIZE, MODE = 28, "L"
    TRANSFORM = torchvision.transforms.ToTensor()
else:
    SIZE, MODE = 224, "RGB"
    TRANSFORM = torchvision.transforms.Compose([
        torchvision.transforms.ToTensor(),
        torchvision.transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])


@app.on_event("startup")
def load_model():
    model = Net() if args.arch == "seed-net" else torchvision.models.resnet18()
    model.load_state_dict(torch.load(args.weights, map_location="cpu"))
    model.eval()
    ml["model"] = model


@app.get("/healthz")
def healthz():
    return "ok"


@app.post("/predict")
def predict(body: bytes = Body(..., media_type="application/octet-stream")):
    try:
        img = Image.open(io.BytesIO(body))
    except Exception as e:
        raise HTTPException(status_code=400, detail=f"body is not an image: {e}")
    if img.size != (SIZE, SIZE):
        raise HTTPException(status_code=400, detail=f"image is {img.size}; the model wants {SIZE}x{SIZE}")
    x = TRANSFORM(img.convert(MODE)).unsqueeze(0)
    with torch.no_grad():
        probs = torch.softmax(ml["model"](x)[0], 0)
    return {"class": int(probs.argmax()), "probabilities": probs.tolist()}


if __name__ == "__main__":
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
