// Files Python hands to the user (`pyapp.utils.download(path)`): the bytes arrive from the
// worker and are offered as a browser download, without leaving the device.
export function mountDownloads(session) {
  session.addEventListener("message:download", (event) => {
    const { filename, bytes } = event.detail;
    const url = URL.createObjectURL(new Blob([bytes]));
    const link = Object.assign(document.createElement("a"), { href: url, download: filename });
    document.body.appendChild(link);
    link.click();
    link.remove();
    // The browser reads the blob when the download starts; give it a moment first.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  });
}
