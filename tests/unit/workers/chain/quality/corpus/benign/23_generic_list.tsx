import React from "react";

export interface ListProps<T> {
  items: readonly T[];
  getKey: (item: T, index: number) => string | number;
  renderItem: (item: T, index: number) => React.ReactNode;
  empty?: React.ReactNode;
  ordered?: boolean;
  label?: string;
}

export function List<T>({
  items,
  getKey,
  renderItem,
  empty = <p className="list__empty">Nothing here yet.</p>,
  ordered = false,
  label,
}: ListProps<T>) {
  if (items.length === 0) return <>{empty}</>;
  const children = items.map((item, index) => (
    <li key={getKey(item, index)} className="list__item">
      {renderItem(item, index)}
    </li>
  ));
  return ordered ? (
    <ol className="list" aria-label={label}>
      {children}
    </ol>
  ) : (
    <ul className="list" aria-label={label}>
      {children}
    </ul>
  );
}

export interface Contact {
  id: number;
  name: string;
  email: string;
}

export function ContactList({ contacts }: { contacts: Contact[] }) {
  return (
    <List
      items={contacts}
      label="Contacts"
      getKey={(contact) => contact.id}
      renderItem={(contact) => (
        <>
          <strong>{contact.name}</strong> <span>{contact.email}</span>
        </>
      )}
    />
  );
}

export default ContactList;
