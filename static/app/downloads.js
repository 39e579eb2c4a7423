// Files handed to the user as browser downloads, without leaving the device: what Python
// gives (`pyapp.utils.download(path)`) and the editor's Download button.

// Offers `blob` as a download named `filename`.
export function offerDownload(filename, blob) {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The browser reads the blob when the download starts; give it a moment first.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function mountDownloads(session) {
  session.addEventListener("message:download", (event) => {
    const { filename, bytes } = event.detail;
    offerDownload(filename, new Blob([bytes]));
  });
}
