// Files of a conversation or a Case: downloaded through the API with the agent's token (fetch,
// then a blob: URL; a plain link could not send the token), pictures previewed as <img src=blob:>.
// Each blob: URL is let go when its workspace closes.
import { api } from "./api.js";
import { el } from "./dom.js";

const PREVIEWABLE = /^image\/(png|jpeg|gif|webp)$/;

async function blobOf(attachment) {
  const response = await api(`/api/v1/attachments/${encodeURIComponent(attachment.id)}`, { raw: true });
  return response.blob();
}

export function sizeText(bytes) {
  if (!Number.isFinite(bytes)) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export class FileShelf {
  constructor() {
    this.urls = [];
  }

  /** A download button for the file, and its preview when it is a picture. */
  item(attachment, onError) {
    const box = el("div", { class: "file" });
    const label = `Download ${attachment.name}`;
    const button = el("button", { type: "button", class: "link" }, label);
    const size = sizeText(attachment.size);
    button.addEventListener("click", () => this.download(attachment).catch(onError));
    box.append(button, size ? el("span", { class: "quiet" }, ` (${size})`) : "");
    if (PREVIEWABLE.test(attachment.mimeType || "")) {
      const img = el("img", { alt: `Preview of ${attachment.name}` });
      box.append(el("div", {}, img));
      this.preview(attachment, img).catch(() => img.remove());
    }
    return box;
  }

  async preview(attachment, img) {
    img.src = this.keep(await blobOf(attachment));
  }

  async download(attachment) {
    const href = this.keep(await blobOf(attachment));
    const link = el("a", { href, download: attachment.name || "file" });
    document.body.append(link);
    link.click();
    link.remove();
  }

  keep(blob) {
    const href = URL.createObjectURL(blob);
    this.urls.push(href);
    return href;
  }

  /** Lets go of every blob: URL made here. */
  release() {
    this.urls.forEach((href) => URL.revokeObjectURL(href));
    this.urls = [];
  }
}
