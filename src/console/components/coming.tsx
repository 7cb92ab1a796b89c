/** Placeholder content of a page that is not built yet. */
export function Coming({ what }: { what: string }) {
  return (
    <p class="coming" role="status">
      {what}: coming. Until then the admin API (<a href="/docs">/docs</a>) has it.
    </p>
  );
}
