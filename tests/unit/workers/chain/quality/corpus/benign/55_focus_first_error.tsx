import React, { useEffect, useId, useState } from "react";

export interface ProfileFormProps {
  onSave: (profile: { name: string; handle: string }) => void;
}

export function ProfileForm({ onSave }: ProfileFormProps) {
  const id = useId();
  const [name, setName] = useState("");
  const [handle, setHandle] = useState("");
  const [attempt, setAttempt] = useState(0);

  const errors = {
    name: name.trim() ? null : "Name is required.",
    handle: /^[a-z0-9_]{3,15}$/.test(handle) ? null : "3–15 lowercase letters, digits or _.",
  };
  const firstInvalid = errors.name ? "name" : errors.handle ? "handle" : null;

  useEffect(() => {
    if (attempt === 0 || !firstInvalid) return;
    document.getElementById(`${id}-${firstInvalid}`)?.focus();
  }, [attempt, firstInvalid, id]);

  const submit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setAttempt((n) => n + 1);
    if (!firstInvalid) onSave({ name: name.trim(), handle });
  };

  const showErrors = attempt > 0;

  return (
    <form onSubmit={submit} noValidate>
      <label htmlFor={`${id}-name`}>Display name</label>
      <input
        id={`${id}-name`}
        value={name}
        onChange={(e) => setName(e.target.value)}
        aria-invalid={showErrors && errors.name ? true : undefined}
      />
      {showErrors && errors.name && <p role="alert">{errors.name}</p>}
      <label htmlFor={`${id}-handle`}>Handle</label>
      <input
        id={`${id}-handle`}
        value={handle}
        onChange={(e) => setHandle(e.target.value.toLowerCase())}
        aria-invalid={showErrors && errors.handle ? true : undefined}
      />
      {showErrors && errors.handle && <p role="alert">{errors.handle}</p>}
      <button type="submit">Save profile</button>
    </form>
  );
}

export default ProfileForm;
